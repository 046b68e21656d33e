// src/ingest/datadog_markdown.h
//
// Datadog's event text ($EVENT_MSG in a monitor webhook) is markdown between "%%%" fences:
// "%%%\nDisk full on db-1\n%%%". A signal's message is that text without the fences and without
// the spaces (' ', tab, newline, carriage return) around them.
//
// StripEscapedMarkdownFences does the same on a string's JSON text, before its escapes are
// decoded, for the common case where the only escapes are the newlines next to the fences: the
// message is then a view into the JSON text itself, neither unescaped nor copied. It gives the
// same message as StripMarkdownFences on the decoded string, or declines (returns false) when the
// text left holds a backslash (an escape inside the message, or next to a fence one that is not a
// space), and the caller decodes the string and takes StripMarkdownFences.
//
// Thread-safety: stateless functions.
#ifndef QUELL_INGEST_DATADOG_MARKDOWN_H_
#define QUELL_INGEST_DATADOG_MARKDOWN_H_

#include <string_view>

namespace quell::ingest {

// `text` without a leading and a trailing "%%%" fence and the spaces around them (the spaces are
// trimmed even where there is no fence).
std::string_view StripMarkdownFences(std::string_view text);

// StripMarkdownFences for a JSON string's text between its quotes, escapes not decoded, where the
// spaces may also be the escapes \n, \r and \t. True, with `*message` a view into `json_text`, when
// the message holds no backslash (so it reads the same decoded); false, and `*message` unchanged,
// otherwise.
bool StripEscapedMarkdownFences(std::string_view json_text, std::string_view* message);

}  // namespace quell::ingest

#endif  // QUELL_INGEST_DATADOG_MARKDOWN_H_
