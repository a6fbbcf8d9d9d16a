package httpapi

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

type openAPIDoc struct {
	Paths      map[string]map[string]openAPIOp `json:"paths"`
	Components struct {
		Schemas         map[string]*schema `json:"schemas"`
		SecuritySchemes map[string]any     `json:"securitySchemes"`
	} `json:"components"`
}

type openAPIOp struct {
	Parameters []openAPIParam `json:"parameters"`
	Responses  map[string]struct {
		Content map[string]struct {
			Schema *schema `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

type openAPIParam struct {
	Name string `json:"name"`
	In   string `json:"in"`
}

type schema struct {
	Ref        string             `json:"$ref"`
	Type       string             `json:"type"`
	Required   []string           `json:"required"`
	Properties map[string]*schema `json:"properties"`
	Items      *schema            `json:"items"`
	AllOf      []*schema          `json:"allOf"`
	Enum       []string           `json:"enum"`
}

func loadOpenAPI(t *testing.T) *openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return &doc
}

var goWildcard = regexp.MustCompile(`\{(\w+)(\.\.\.)?\}`)

// TestOpenAPIMatchesRoutes keeps the document true: it describes exactly the
// routes the server registers, with every path parameter declared, and every
// $ref resolves.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	f := newFixture(t)
	var registered, documented []string
	for _, rt := range f.srv.routeSet {
		registered = append(registered, rt.method+" "+goWildcard.ReplaceAllString(rt.path, "{$1}"))
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
			for _, m := range goWildcard.FindAllStringSubmatch(path, -1) {
				if !slices.ContainsFunc(op.Parameters, func(p openAPIParam) bool { return p.Name == m[1] && p.In == "path" }) {
					t.Errorf("%s %s does not declare path parameter %s", method, path, m[1])
				}
			}
			if len(op.Responses) == 0 {
				t.Errorf("%s %s has no responses", method, path)
			}
		}
	}
	slices.Sort(registered)
	slices.Sort(documented)
	if !slices.Equal(registered, documented) {
		t.Fatalf("routes and document differ\nregistered: %v\ndocumented: %v", registered, documented)
	}
	for _, name := range []string{"bearer", "cookie"} {
		if doc.Components.SecuritySchemes[name] == nil {
			t.Errorf("security scheme %s missing", name)
		}
	}
	refs := regexp.MustCompile(`"\$ref": *"#/components/schemas/(\w+)"`).FindAllStringSubmatch(string(openAPIDocument), -1)
	for _, m := range refs {
		if doc.Components.Schemas[m[1]] == nil {
			t.Errorf("$ref to undefined schema %s", m[1])
		}
	}
	f.must(200, "GET", "/api/v1/openapi.json", nil)
}

// validate checks v against s: types, required fields and enums, recursively.
func (d *openAPIDoc) validate(s *schema, v any, at string) error {
	if s.Ref != "" {
		return d.validate(d.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")], v, at)
	}
	for _, sub := range s.AllOf {
		if err := d.validate(sub, v, at); err != nil {
			return err
		}
	}
	switch s.Type {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %T, want an object", at, v)
		}
		for _, r := range s.Required {
			if _, ok := m[r]; !ok {
				return fmt.Errorf("%s: required field %q missing", at, r)
			}
		}
		for name, ps := range s.Properties {
			if pv, ok := m[name]; ok {
				if err := d.validate(ps, pv, at+"."+name); err != nil {
					return err
				}
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: %T, want an array", at, v)
		}
		for i, e := range a {
			if err := d.validate(s.Items, e, at+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s: %T, want a string", at, v)
		}
		if len(s.Enum) > 0 && !slices.Contains(s.Enum, str) {
			return fmt.Errorf("%s: %q not in %v", at, str, s.Enum)
		}
	case "integer", "number":
		n, ok := v.(float64)
		if !ok || s.Type == "integer" && n != float64(int64(n)) {
			return fmt.Errorf("%s: %v, want an %s", at, v, s.Type)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: %T, want a boolean", at, v)
		}
	}
	return nil
}

// TestResponsesMatchOpenAPI checks representative answers of every kind
// against the schema documented for their route and status.
func TestResponsesMatchOpenAPI(t *testing.T) {
	doc := loadOpenAPI(t)
	f := newFixture(t)
	ann, bob := f.signUp("ann"), f.signUp("bob")
	v := f.readyVideo(ann, "documented #api")
	var c struct{ ID string }
	f.must(201, "POST", "/api/v1/videos/"+v.ID+"/comments", map[string]string{"text": "hi"}, bearer(bob.Token)).decode(t, &c)
	vid := "/api/v1/videos/" + v.ID
	if doc.validate(&schema{Ref: "#/components/schemas/Video"}, map[string]any{"id": "x"}, "probe") == nil {
		t.Fatal("the validator accepts a video without its required fields")
	}
	for _, tc := range []struct {
		method, doc, path string
		body              any
		token             string
		status            int
	}{
		{"POST", "/api/v1/accounts", "/api/v1/accounts", map[string]string{"handle": "cat", "password": "violet tractor umbrella", "birthdate": "2001-02-03"}, "", 201},
		{"POST", "/api/v1/accounts", "/api/v1/accounts", map[string]string{"handle": "ann", "password": "violet tractor umbrella", "birthdate": "2001-02-03"}, "", 409},
		{"POST", "/api/v1/sessions", "/api/v1/sessions", map[string]string{"handle": "ann", "password": "violet tractor umbrella"}, "", 201},
		{"POST", "/api/v1/sessions", "/api/v1/sessions", map[string]string{"handle": "ann", "password": "not the password"}, "", 401},
		{"GET", "/api/v1/me", "/api/v1/me", nil, ann.Token, 200},
		{"PATCH", "/api/v1/me", "/api/v1/me", map[string]string{"bio": "hello"}, ann.Token, 200},
		{"GET", "/api/v1/me/sessions", "/api/v1/me/sessions", nil, ann.Token, 200},
		{"GET", "/api/v1/accounts/{handle}", "/api/v1/accounts/bob", nil, ann.Token, 200},
		{"GET", "/api/v1/accounts/{handle}", "/api/v1/accounts/nobody", nil, "", 404},
		{"POST", "/api/v1/accounts/{handle}/follow", "/api/v1/accounts/bob/follow", nil, ann.Token, 200},
		{"GET", "/api/v1/accounts/{handle}/videos", "/api/v1/accounts/ann/videos", nil, "", 200},
		{"GET", "/api/v1/videos/{id}", vid, nil, bob.Token, 200},
		{"POST", "/api/v1/videos/{id}/like", vid + "/like", nil, bob.Token, 200},
		{"GET", "/api/v1/videos/{id}/comments", vid + "/comments", nil, "", 200},
		{"POST", "/api/v1/videos/{id}/comments", vid + "/comments", map[string]string{"text": "reply", "parent_id": c.ID}, ann.Token, 201},
		{"POST", "/api/v1/videos/{id}/share", vid + "/share", nil, "", 200},
		{"POST", "/api/v1/events", "/api/v1/events", []any{map[string]any{"type": "view", "video_id": v.ID, "watch_ms": 100}}, "", 202},
		{"GET", "/api/v1/feed/foryou", "/api/v1/feed/foryou", nil, bob.Token, 200},
		{"GET", "/api/v1/feed/following", "/api/v1/feed/following", nil, ann.Token, 200},
		{"GET", "/api/v1/search", "/api/v1/search?q=api", nil, "", 200},
		{"GET", "/api/v1/hashtags/{tag}/videos", "/api/v1/hashtags/api/videos", nil, "", 200},
		{"GET", "/api/v1/trending", "/api/v1/trending", nil, "", 200},
		{"GET", "/api/v1/me/notifications", "/api/v1/me/notifications", nil, ann.Token, 200},
		{"GET", "/api/v1/me/notifications", "/api/v1/me/notifications?cursor=garbage", nil, ann.Token, 400},
		{"POST", "/api/v1/me/notifications/read", "/api/v1/me/notifications/read", map[string]string{"up_to": v.ID}, ann.Token, 404},
		{"GET", "/healthz", "/healthz", nil, "", 200},
		{"GET", "/readyz", "/readyz", nil, "", 200},
		{"DELETE", "/api/v1/videos/{id}", vid, nil, bob.Token, 403},
		{"PUT", "/api/v1/me/password", "/api/v1/me/password", map[string]string{"current_password": "violet tractor umbrella", "new_password": "short"}, bob.Token, 422},
		{"POST", "/api/v1/password-resets", "/api/v1/password-resets", map[string]string{"handle_or_email": "ann"}, "", 503},
		{"POST", "/api/v1/password-resets/confirm", "/api/v1/password-resets/confirm", map[string]string{"token": strings.Repeat("A", 43), "new_password": "a brand new phrase"}, "", 404},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			var opts []reqOption
			if tc.token != "" {
				opts = append(opts, bearer(tc.token))
			}
			r := f.must(tc.status, tc.method, tc.path, tc.body, opts...)
			resp, ok := doc.Paths[tc.doc][strings.ToLower(tc.method)].Responses[strconv.Itoa(tc.status)]
			if !ok {
				t.Fatalf("status %d is not documented for %s %s", tc.status, tc.method, tc.doc)
			}
			media, ok := resp.Content["application/json"]
			if !ok {
				t.Fatalf("no JSON schema documented for %s %s %d", tc.method, tc.doc, tc.status)
			}
			var body any
			r.decode(t, &body)
			if err := doc.validate(media.Schema, body, "response"); err != nil {
				t.Fatalf("%v\n%s", err, r.body)
			}
		})
	}
}
