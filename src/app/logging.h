// src/app/logging.h
//
// Structured JSON logs through spdlog, one object per line on stderr:
//   {"time":"2026-11-25T21:40:00.123Z","level":"info","msg":"..."}
// Every line passes the redaction stage first (sinks::Redactor::RedactLine), so an SSN or an
// e-mail address in a log message never reaches the log. Call once at start-up; `*redactor` must
// outlive logging (pass nullptr for no redaction).
#ifndef QUELL_APP_LOGGING_H_
#define QUELL_APP_LOGGING_H_

#include <cstdio>

#include "sinks/redactor.h"

namespace quell::app {

void SetUpLogging(const sinks::Redactor* redactor, std::FILE* stream = stderr);

}  // namespace quell::app

#endif  // QUELL_APP_LOGGING_H_
