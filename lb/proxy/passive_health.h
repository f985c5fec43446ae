#pragma once
// Where the data path reports what it learns about backends as a side effect of
// traffic (a failed connect), so the health checker can act before its next interval.
namespace fulcrum {

class Backend;
class Pool;

class PassiveHealthSink {
 public:
  virtual ~PassiveHealthSink() = default;
  // Called on a worker thread when a connect to `backend` failed. Must be cheap and
  // thread-safe; may be called at a high rate when a backend dies under load.
  virtual void onConnectFailure(Pool& pool, Backend& backend, const char* reason) = 0;
};

}  // namespace fulcrum
