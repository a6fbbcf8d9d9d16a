package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
)

// apiClient is a small client of Flick's own HTTP API, used by the demo
// seeder, the benchmarks and the end-to-end tests so that they all go
// through the real server like any other client.
type apiClient struct {
	base  string
	token string
	http  *http.Client
}

func newAPIClient(base string) *apiClient {
	return &apiClient{base: base, http: &http.Client{}}
}

// apiError is a non-2xx answer of the API.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// do sends a JSON request (body may be nil) and decodes a JSON answer into out
// (which may be nil).
func (c *apiClient) do(ctx context.Context, method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(req, out)
}

func (c *apiClient) send(req *http.Request, out any) error {
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return &apiError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// signUp creates an account and keeps its token for later calls.
func (c *apiClient) signUp(ctx context.Context, handle, password, birthdate, region string) error {
	var out struct {
		Token string `json:"token"`
	}
	err := c.do(ctx, "POST", "/api/v1/accounts", map[string]string{
		"handle": handle, "password": password, "birthdate": birthdate, "region": region,
	}, &out)
	c.token = out.Token
	return err
}

// logIn opens a session and keeps its token.
func (c *apiClient) logIn(ctx context.Context, handle, password string) error {
	var out struct {
		Token string `json:"token"`
	}
	err := c.do(ctx, "POST", "/api/v1/sessions", map[string]string{"handle": handle, "password": password}, &out)
	c.token = out.Token
	return err
}

// upload streams the file at path as a multipart upload (never buffering it
// whole) and returns the new video's id.
func (c *apiClient) upload(ctx context.Context, path, caption string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := mw.WriteField("caption", caption)
		if err == nil {
			var part io.Writer
			if part, err = mw.CreateFormFile("file", filepath.Base(path)); err == nil {
				if _, err = io.Copy(part, f); err == nil {
					err = mw.Close()
				}
			}
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+"/api/v1/videos", pr)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var out struct {
		ID string `json:"id"`
	}
	if err := c.send(req, &out); err != nil {
		return "", err
	}
	return out.ID, nil
}

// video fetches GET /api/v1/videos/{id}.
func (c *apiClient) video(ctx context.Context, id string) (*videoJSON, error) {
	var v videoJSON
	err := c.do(ctx, "GET", "/api/v1/videos/"+id, nil, &v)
	return &v, err
}

// videoJSON is the part of the video resource that clients here read.
type videoJSON struct {
	ID         string `json:"id"`
	Caption    string `json:"caption"`
	PosterURL  string `json:"poster_url"`
	CoverMS    int64  `json:"cover_ms"`
	Pinned     bool   `json:"pinned"`
	Visibility string `json:"visibility"`
	Status     string `json:"status"`
	Progress   int    `json:"progress"`
	Failure    string `json:"failure"`
	Renditions []struct {
		Name   string `json:"name"`
		Width  int    `json:"width"`
		Height int    `json:"height"`
		URL    string `json:"url"`
	} `json:"renditions"`
	Counts struct {
		Views, Likes, Comments, Shares int64
	} `json:"counts"`
}
