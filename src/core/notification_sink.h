// src/core/notification_sink.h
//
// NotificationSink: where the engine (and the gate evaluator) hand notifications to delivery.
// sinks/ implements it (a dispatcher that appends to the durable outbox, then delivers to the
// named receiver); tests implement it with a recorder. Send must be cheap and non-blocking for
// the caller (the engine shard thread): the implementation queues. Thread-safe.
#ifndef QUELL_CORE_NOTIFICATION_SINK_H_
#define QUELL_CORE_NOTIFICATION_SINK_H_

#include "core/notification.h"

namespace quell::core {

class NotificationSink {
 public:
  virtual ~NotificationSink() = default;
  virtual void Send(Notification n) = 0;
};

}  // namespace quell::core

#endif  // QUELL_CORE_NOTIFICATION_SINK_H_
