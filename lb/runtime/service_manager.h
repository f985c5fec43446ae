#pragma once
// Tells the service manager where fulcrum's life stands, over systemd's notify protocol
// (sd_notify(3)), so that a unit with Type=notify counts fulcrum as started only once
// every listener is bound, and `systemctl reload` and `systemctl stop` show what is
// going on. Every call does nothing when $NOTIFY_SOCKET is unset, i.e. when no such
// manager started fulcrum; a failed send is logged and otherwise ignored, since
// serving matters more than reporting.
#include <string_view>

namespace fulcrum::service_manager {

// READY=1 with STATUS=`status`: fulcrum serves (after start-up, and after every reload,
// applied or refused, since the old configuration keeps serving).
void notifyReady(std::string_view status);

// RELOADING=1 and MONOTONIC_USEC (CLOCK_MONOTONIC now, which systemd 253's
// Type=notify-reload requires with it): a reload began. notifyReady follows.
void notifyReloading();

// STOPPING=1 with STATUS=`status`: a graceful stop began.
void notifyStopping(std::string_view status);

}  // namespace fulcrum::service_manager
