// Fixture: sim bucket, Omniverse / USD C++. Markers (`expect:`) are comments.
#include <pxr/usd/usd/stage.h>  // expect: sim.pxr
#include <carb/settings/ISettings.h>

void stage() {
  auto s = PXR_NS::UsdStage::CreateInMemory();  // expect: sim.pxr
  carb::settings::ISettings* settings = nullptr;  // expect: sim.carb
  omni::kit::IApp* app = nullptr;  // expect: sim.omni
  // pxr::UsdStage and carb::settings in a comment
}
