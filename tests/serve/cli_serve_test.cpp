// SPDX-License-Identifier: Apache-2.0
// `robomlx serve` refuses bad flags before it listens: exit 2 (3 never: serve reads no input
// file but the key file), one error line; a taken port is exit 1.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli_table.h"

namespace robomlx::test {
namespace {

TEST(CliServe, BadFlagsExitTwoWithOneLine) {
  const std::string scratch = temp_dir();
  const std::vector<CliRow> rows = {
      {"no model", "serve", 2, "give --model"},
      {"unknown model", "serve --model nope", 2, "unknown model 'nope'"},
      {"port range", "serve --model echo --port 70000", 2, "--port"},
      {"batch", "serve --model echo --max-batch 0", 2, "--max-batch"},
      {"queue", "serve --model echo --max-queue -1", 2, "--max-queue"},
      {"key file", "serve --model echo --api-key-file " + scratch + "/missing.txt", 2, "cannot read"},
      {"models dir", "serve --models " + scratch + "/nothing-here", 2, "not a folder"},
      {"timeout", "serve --model echo --timeout 0", 2, "--timeout"},
  };
  for (auto row : rows) {
    row.env = "timeout 60";  // a server that started by mistake would otherwise never end
    expect_row(row, scratch);
  }
}

TEST(CliServe, TakenPortExitsOne) {
  // A listening loopback socket (a bound one alone would not do: SO_REUSEADDR binds beside it).
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  CliRow row{"taken port", "serve --model echo --no-warmup --port " + std::to_string(port), 1, "cannot listen"};
  row.max_seconds = 20;
  row.env = "timeout 60";
  expect_row(row, temp_dir());
  ::close(fd);
}

}  // namespace
}  // namespace robomlx::test
