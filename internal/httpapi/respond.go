package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/flick-video/flick"
)

// statusOf maps a domain error code to its HTTP status.
func statusOf(code string) int {
	switch code {
	case flick.EINVALID:
		return http.StatusBadRequest
	case flick.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case flick.EFORBIDDEN:
		return http.StatusForbidden
	case flick.ENOTFOUND:
		return http.StatusNotFound
	case flick.EMETHOD:
		return http.StatusMethodNotAllowed
	case flick.ECONFLICT:
		return http.StatusConflict
	case flick.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case flick.EUNSUPPORTED:
		return http.StatusUnsupportedMediaType
	case flick.EUNPROCESSABLE:
		return http.StatusUnprocessableEntity
	case flick.ERATELIMIT:
		return http.StatusTooManyRequests
	case flick.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case flick.ETIMEOUT:
		return http.StatusRequestTimeout
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// writeError answers with err as JSON. Errors that are not *flick.Error are
// internal: they are logged here, once, with the request id, and the client
// sees a generic message.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		err = flick.Errorf(flick.ETOOLARGE, "Request body is larger than %d bytes.", tooBig.Limit)
	}
	code := flick.ErrorCode(err)
	switch {
	case code == flick.EINTERNAL && errors.Is(r.Context().Err(), context.Canceled):
		s.Logger.Info("request cancelled by client", "request_id", requestID(r.Context()), "err", err)
	case code == flick.EINTERNAL || code == flick.EUNAVAILABLE:
		s.Logger.Error("request failed", "request_id", requestID(r.Context()),
			"method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeErrorBody(w, err)
}

// writeErrorBody writes err's JSON answer: its code, status, message and
// Retry-After.
func writeErrorBody(w http.ResponseWriter, err error) {
	code := flick.ErrorCode(err)
	var body errorBody
	body.Error.Code = code
	body.Error.Message = flick.ErrorMessage(err)
	if code == flick.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="flick"`)
	}
	if d := flick.RetryAfter(err); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(max(int(math.Ceil(d.Seconds())), 1)))
	}
	writeJSON(w, statusOf(code), body)
}

// writeJSON writes v as the JSON response. API answers depend on who asks, so
// no shared cache may keep them.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only a programming error (an unsupported type) gets here.
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"Internal error."}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// decodeJSON reads a JSON request body of at most MaxJSONBytes into v:
// exactly one value of v's JSON type (an object for a struct or map, an
// array for a slice; never null, which would leave v as it is), in valid
// UTF-8 (the decoder would quietly turn bad bytes into U+FFFD and store
// them), with no unknown fields.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return flick.Errorf(flick.EUNSUPPORTED, "Request body must be application/json.")
		}
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxJSONBytes))
	if err != nil {
		return readError(err)
	}
	if !utf8.Valid(raw) {
		return flick.Errorf(flick.EINVALID, "Request body is not valid UTF-8.")
	}
	want := jsonKind(reflect.TypeOf(v).Elem())
	value := bytes.TrimLeft(raw, " \t\r\n")
	if len(value) == 0 {
		return flick.Errorf(flick.EINVALID, "Request body is empty; a JSON %s expected.", want)
	}
	if got := jsonKindOf(value[0]); got != want {
		return flick.Errorf(flick.EINVALID, "Request body must be a JSON %s, not %s.", want, got)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return flick.Errorf(flick.EINVALID, "Request body must hold a single JSON value.")
	}
	return nil
}

// jsonKind names the JSON type a request body decodes into t from.
func jsonKind(t reflect.Type) string {
	if k := t.Kind(); k == reflect.Slice || k == reflect.Array {
		return "array"
	}
	return "object"
}

// jsonKindOf names the JSON type of a value from its first byte.
func jsonKindOf(first byte) string {
	switch first {
	case '{':
		return "object"
	case '[':
		return "array"
	case 'n':
		return "null"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// readError is the error of a request body that could not be read: too
// large, or too slow (the connection's read deadline), or cut off.
func readError(err error) error {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return err
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("read request body: %w", flick.Errorf(flick.ETIMEOUT, "The request body arrived too slowly."))
	}
	return fmt.Errorf("read request body: %w", err)
}

// jsonError turns a decoding error into a message that helps the client.
func jsonError(err error) error {
	var (
		syntax    *json.SyntaxError
		typeError *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return flick.Errorf(flick.EINVALID, "Request body is not valid JSON.")
	case errors.As(err, &typeError):
		if typeError.Field != "" {
			return flick.Errorf(flick.EINVALID, "Field %q has the wrong type.", typeError.Field)
		}
		return flick.Errorf(flick.EINVALID, "Request body has the wrong JSON type.")
	}
	// The decoder's remaining errors (unknown field, ...) say nothing internal.
	return flick.Errorf(flick.EINVALID, "Invalid request body: %s.", strings.TrimPrefix(err.Error(), "json: "))
}

// maxCursorBytes bounds ?cursor=. For You's cursor carries the session's
// already-served videos and grows to about 4 KB.
const maxCursorBytes = 8 << 10

// page reads ?limit= and ?cursor=.
func page(r *http.Request) (flick.Page, error) {
	q := r.URL.Query()
	var p flick.Page
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return p, flick.Errorf(flick.EINVALID, "limit must be a positive whole number.")
		}
		p.Limit = n
	}
	p.Cursor = q.Get("cursor")
	if len(p.Cursor) > maxCursorBytes {
		return p, flick.Errorf(flick.EINVALID, "cursor is not valid.")
	}
	return p.Normalize(), nil
}

// pathID reads a path parameter that must be an ID made by flick.NewID; a
// malformed one cannot name anything, hence 404.
func pathID(r *http.Request, name, what string) (string, error) {
	id := r.PathValue(name)
	if !flick.ValidID(id) {
		return "", flick.Errorf(flick.ENOTFOUND, "%s not found.", what)
	}
	return id, nil
}
