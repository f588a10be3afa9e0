// SystemWallNow (tunnelisa/host.h): the default WallClock.
#include <ctime>

#include "tunnelisa/host.h"

namespace tunnelisa {

WallTime SystemWallNow() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return WallTime::FromUnixSeconds(static_cast<int64_t>(ts.tv_sec));
}

}  // namespace tunnelisa
