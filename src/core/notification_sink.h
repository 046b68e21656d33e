// src/core/notification_sink.h
//
// NotificationSink: where the engine (and the gate evaluator) hand notifications to delivery.
// sinks/ implements it (a dispatcher that appends to the durable outbox, then delivers to the
// named receiver); tests implement it with a recorder. Send must be cheap and non-blocking for
// the caller (the engine shard thread): the implementation queues. Thread-safe.
//
// CollectingNotificationSink keeps what it is sent, for the commands that run the engine offline
// (`quell replay`, `quell test rules`): Take() hands it over in arrival order (shard threads
// interleave; callers sort).
#ifndef QUELL_CORE_NOTIFICATION_SINK_H_
#define QUELL_CORE_NOTIFICATION_SINK_H_

#include <mutex>
#include <utility>
#include <vector>

#include "core/notification.h"

namespace quell::core {

class NotificationSink {
 public:
  virtual ~NotificationSink() = default;
  virtual void Send(Notification n) = 0;
};

class CollectingNotificationSink final : public NotificationSink {
 public:
  void Send(Notification n) override {
    std::lock_guard<std::mutex> lock(mu_);
    out_.push_back(std::move(n));
  }
  std::vector<Notification> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(out_, {});
  }

 private:
  std::mutex mu_;
  std::vector<Notification> out_;
};

}  // namespace quell::core

#endif  // QUELL_CORE_NOTIFICATION_SINK_H_
