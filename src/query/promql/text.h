// Text helpers of the PromQL front end that reproduce Go's formatting, so parse errors and printed
// queries read exactly like Prometheus': UTF-8 decoding as Go's utf8.DecodeRuneInString,
// strconv.Quote / QuoteRune, fmt's %#U, fmt.Sprint(float64), Prometheus' string unquoting, and
// model.Duration parsing and printing.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace sextant::query::promql {

constexpr int kRuneError = 0xFFFD;

// The rune at s[pos] and its width; an invalid or truncated sequence is (kRuneError, 1). As in Go,
// a well-formed U+FFFD also decodes to kRuneError (width 3).
std::pair<int, uint32_t> decodeRune(std::string_view s, uint32_t pos);
size_t runeCount(std::string_view s);
std::string_view truncateRunes(std::string_view s, size_t n);  // the first n runes

// Go's strconv.Quote: "..." with \a \b \f \n \r \t \v \\ \" escapes, \xNN for invalid UTF-8
// bytes, \uNNNN / \UNNNNNNNN for non-printable runes (printability approximates Go's
// unicode.IsPrint: controls, separators other than ' ', format characters and surrogates).
std::string goQuote(std::string_view s);
// Go's %q of a rune: 'x', '\n', '\x00'. -1 (end of input) prints as Go does for an invalid rune.
std::string goQuoteRune(int r);
// Go's %#U: "U+0078 'x'" ("U+0007" when not printable).
std::string goFormatRuneU(int r);

// Go's fmt.Sprint(float64) (strconv 'g' with the shortest precision): shortest round-trip digits,
// exponent form ("1e+06", "1.5e-07") when the decimal exponent is < -4 or >= 6 (not JSON's 21).
// "+Inf", "-Inf", "NaN".
std::string goFormatFloat(double v);

// Prometheus' strutil.Unquote of a lexed string token (with its quotes); nullopt if invalid.
std::optional<std::string> unquote(std::string_view token);

// model.ParseDuration ("1h30m", "5m", "1y", "100ms"; units in decreasing order, each at most once)
// into milliseconds. On error, `error` gets Prometheus' message.
std::optional<int64_t> parseDuration(std::string_view s, std::string* error);
// model.Duration.String(): "1h30m", "1w", "0s"; only for ms >= 0.
std::string formatDuration(int64_t ms);

}  // namespace sextant::query::promql
