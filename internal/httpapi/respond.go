package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"

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
// exactly one value, no unknown fields.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return flick.Errorf(flick.EUNSUPPORTED, "Request body must be application/json.")
		}
	}
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxJSONBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return flick.Errorf(flick.EINVALID, "Request body must hold a single JSON value.")
	}
	return nil
}

// jsonError turns a decoding error into a message that helps the client.
func jsonError(err error) error {
	var (
		tooBig    *http.MaxBytesError
		syntax    *json.SyntaxError
		typeError *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooBig):
		return err
	case errors.Is(err, io.EOF):
		return flick.Errorf(flick.EINVALID, "Request body is empty; JSON expected.")
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
