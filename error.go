package flick

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. Each maps to one HTTP status in internal/httpapi; the message
// of an *Error is safe to show to users, anything else is internal.
const (
	EINVALID       = "invalid"            // 400: malformed request or field
	EUNAUTHORIZED  = "unauthorized"       // 401: no or bad credentials
	EFORBIDDEN     = "forbidden"          // 403: authenticated but not allowed
	ENOTFOUND      = "not_found"          // 404
	EMETHOD        = "method_not_allowed" // 405: the path exists for other methods
	ETIMEOUT       = "timeout"            // 408: the request (its body) arrived too slowly
	ECONFLICT      = "conflict"           // 409: e.g. handle taken
	ETOOLARGE      = "too_large"          // 413: body or file over the limit
	EUNSUPPORTED   = "unsupported"        // 415: not a video, wrong content type
	EUNPROCESSABLE = "unprocessable"      // 422: well-formed but unacceptable (too long, too young, ...)
	ERATELIMIT     = "rate_limited"       // 429
	EUNAVAILABLE   = "unavailable"        // 503: a required tool or backend is missing
	EINTERNAL      = "internal"           // 500
)

// Error is an application error whose Code and Message can be shown to users.
type Error struct {
	Code    string
	Message string
	// RetryAfter is, on an ERATELIMIT or EUNAVAILABLE error, how long the
	// caller should wait before trying again (0 when nobody knows).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("flick error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; internal errors get a
// generic message so that no implementation detail leaks.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// RetryAfter returns how long to wait before trying again after err: the
// RetryAfter of the first *Error in its chain.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
