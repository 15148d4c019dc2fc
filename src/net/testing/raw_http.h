// Test helper: sends raw bytes to 127.0.0.1:port and returns everything the server sends back
// until it closes the connection or `timeout` passes. Real sockets, no HTTP library, so tests
// can send exactly the bytes a client would (chunked bodies, bad requests, slow clients).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sextant::net::testing {

std::string rawExchange(uint16_t port, const std::string& bytes,
                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

// A minimal request with Connection: close. Returns the raw response.
std::string simpleRequest(uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body = "", const std::string& extra_headers = "");

// Status code of a raw response ("HTTP/1.1 204 No Content..." -> 204), 0 if unparsable.
int statusOf(const std::string& response);
// Body of a raw response (after the blank line; chunked encoding not expected from our server).
std::string bodyOf(const std::string& response);

}  // namespace sextant::net::testing
