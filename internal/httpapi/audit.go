package httpapi

import (
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/flick-video/flick"
	"github.com/flick-video/flick/internal/audit"
)

// The access log: auditors read all of it, with the proofs that let them
// check it never changed; everyone reads the entries about themselves.

// auditCheckpoint handles GET /api/v1/audit/checkpoint.
func (s *Server) auditCheckpoint(w http.ResponseWriter, r *http.Request, c *caller) error {
	cp, err := s.Audit.Checkpoint(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cp)
	return nil
}

// accessEntryJSON is an entry with the exact bytes that are its Merkle leaf
// (base64), so that a client can hash them itself.
type accessEntryJSON struct {
	flick.AccessEntry
	Record string `json:"record"`
}

func entriesJSON(entries []flick.AccessEntry) ([]accessEntryJSON, error) {
	out := make([]accessEntryJSON, len(entries))
	for i, e := range entries {
		rec, err := audit.EncodeRecord(e)
		if err != nil {
			return nil, err
		}
		out[i] = accessEntryJSON{AccessEntry: e, Record: base64.StdEncoding.EncodeToString(rec)}
	}
	return out, nil
}

// auditEntries handles GET /api/v1/audit/entries?start=&end=.
func (s *Server) auditEntries(w http.ResponseWriter, r *http.Request, c *caller) error {
	start, err := intQuery(r, "start", 0)
	if err != nil {
		return err
	}
	end, err := intQuery(r, "end", start+flick.MaxAccessPage)
	if err != nil {
		return err
	}
	if end < start {
		return flick.Errorf(flick.EINVALID, "end must not be before start.")
	}
	entries, err := s.Audit.Entries(r.Context(), start, end)
	if err != nil {
		return err
	}
	out, err := entriesJSON(entries)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": out})
	return nil
}

// auditInclusion handles GET /api/v1/audit/proof/inclusion?index=&size=.
func (s *Server) auditInclusion(w http.ResponseWriter, r *http.Request, c *caller) error {
	index, err := intQuery(r, "index", -1)
	if err != nil {
		return err
	}
	size, err := intQuery(r, "size", -1)
	if err != nil {
		return err
	}
	p, err := s.Audit.InclusionProof(r.Context(), index, size)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// auditConsistency handles GET /api/v1/audit/proof/consistency?old=&new=.
func (s *Server) auditConsistency(w http.ResponseWriter, r *http.Request, c *caller) error {
	oldSize, err := intQuery(r, "old", -1)
	if err != nil {
		return err
	}
	newSize, err := intQuery(r, "new", -1)
	if err != nil {
		return err
	}
	p, err := s.Audit.ConsistencyProof(r.Context(), oldSize, newSize)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// myAccessLog handles GET /api/v1/me/access?before=&limit=: who accessed
// my data, newest first.
func (s *Server) myAccessLog(w http.ResponseWriter, r *http.Request, c *caller) error {
	before, err := intQuery(r, "before", 0)
	if err != nil {
		return err
	}
	p, err := page(r)
	if err != nil {
		return err
	}
	entries, err := s.Audit.EntriesAbout(r.Context(), c.AccountID, before, p.Limit+1)
	if err != nil {
		return err
	}
	next := ""
	if len(entries) > p.Limit {
		entries = entries[:p.Limit]
		next = strconv.FormatInt(entries[p.Limit-1].Index, 10)
	}
	out, err := entriesJSON(entries)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": out, "next_before": next})
	return nil
}

// intQuery reads a non-negative whole number from the query; def when it is
// absent (a negative def makes it required).
func intQuery(r *http.Request, name string, def int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		if def < 0 {
			return 0, flick.Errorf(flick.EINVALID, "%s is required.", name)
		}
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, flick.Errorf(flick.EINVALID, "%s must be a whole number of at least 0.", name)
	}
	return n, nil
}
