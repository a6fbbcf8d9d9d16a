package httpapi

import (
	_ "embed"
	"net/http"
)

// openAPIDocument describes every route of routes(); TestOpenAPIMatchesRoutes
// keeps the two in step.
//
//go:embed openapi.json
var openAPIDocument []byte

// serveOpenAPI handles GET /api/v1/openapi.json.
func serveOpenAPI(w http.ResponseWriter, _ *http.Request, _ *caller) error {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	_, err := w.Write(openAPIDocument)
	return err
}
