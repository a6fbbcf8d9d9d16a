package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/flick-video/flick/internal/netlimit"
)

type floodBenchResult struct {
	// The server's caps and the process's open-file limit, which the
	// flooding client shares with the server.
	OpenFileLimit     uint64  `json:"open_file_limit"`
	MaxConns          int     `json:"max_conns"`
	MaxConnsPerClient int     `json:"max_conns_per_client"`
	StallTimeoutS     float64 `json:"stall_timeout_s"`
	MinBodyRate       int64   `json:"min_body_rate"`
	Requested         int     `json:"conns_requested"`
	Conns             int     `json:"conns"`
	Addresses         int     `json:"addresses"`
	Note              string  `json:"note"`
	// What became of the connections: kept open by the server (until the
	// stall bound), answered 503 at once, closed at once without an answer,
	// answered otherwise at once, not connected at all, or still open when
	// the bench gave up on them (twice the stall bound and 10 s after
	// their headers).
	OpenSeconds   float64 `json:"open_seconds"` // until every handshake was over
	Kept          int     `json:"kept"`
	Answered503   int     `json:"answered_503"`
	ClosedAtOnce  int     `json:"closed_at_once"`
	OtherAnswer   int     `json:"other_answer"`
	DialFailed    int     `json:"dial_failed"`
	StillOpen     int     `json:"still_open"`
	ServerPeak    int     `json:"server_conns_peak"`
	ServerRefused int64   `json:"server_refused"`
	// KeptOpenMaxS is the longest a kept connection stayed open after
	// its headers; AllClosedS the time from the first connection to the
	// server closing the last one.
	KeptOpenMaxS float64     `json:"kept_open_max_s"`
	AllClosedS   float64     `json:"all_closed_s"`
	Healthz      probeResult `json:"healthz"`
}

type probeResult struct {
	Probes   int     `json:"probes"`
	Failures int     `json:"failures"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
	// FirstError is the first failure's error, if any.
	FirstError string `json:"first_error,omitempty"`
}

// floodFiles are the open files the bench keeps aside for the /healthz
// probes and the server's own needs during the flood, beside those already
// open at start and the server's overflowSlots answers over the caps.
const floodFiles = 64

func benchFlood(ctx context.Context, args []string, stderr io.Writer) (any, error) {
	fs := flagSet("bench flood", "Flood a server under its connection caps (the flags of flick serve) with connections\n"+
		"from as many loopback addresses (127.x.y.z), each sending a request's headers that announce\n"+
		"a body it never sends; meanwhile probe GET /healthz on fresh connections. The flooding\n"+
		"client runs in this process, so it shares the open-file limit with the server: --conns\n"+
		"is lowered to what fits beside the server's connections, and the output says so.", stderr)
	var limits Config
	bindConnLimits(fs, &limits)
	conns := fs.Int("conns", 6000, "connections to open (at most what the open-file limit leaves)")
	addresses := fs.Int("addresses", 0, "distinct loopback source addresses, used in turn (default: one per connection)")
	every := fs.Duration("probe-every", 250*time.Millisecond, "time between /healthz probes")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 || *conns <= 0 || *addresses < 0 || *every <= 0 {
		fs.Usage()
		return nil, errors.New("bench flood: want positive --conns and --probe-every, --addresses of 0 or more, and no arguments")
	}
	files, err := netlimit.RaiseOpenFileLimit()
	if err != nil {
		return nil, err
	}
	s, err := startBenchServer(ctx, stderr, func(c *Config) {
		// The caps as flick serve applies them, without a proxy in front.
		c.TrustProxy = false
		c.MaxConns, c.MaxConnsPerClient = limits.MaxConns, limits.MaxConnsPerClient
		c.MinBodyRate, c.StallTimeout = limits.MinBodyRate, limits.StallTimeout
	})
	if err != nil {
		return nil, err
	}
	defer s.stop()
	caps, err := s.app.cfg.caps()
	if err != nil {
		return nil, err
	}
	res := &floodBenchResult{OpenFileLimit: files, MaxConns: caps.Total, MaxConnsPerClient: caps.PerClient,
		StallTimeoutS: s.app.cfg.StallTimeout.Seconds(), MinBodyRate: s.app.cfg.MinBodyRate, Requested: *conns}
	inUse := openFiles()
	res.Conns = min(*conns, floodBudget(files, inUse, caps.Total))
	res.Note = fmt.Sprintf("client and server share this process's open-file limit of %d (%d in use before the flood): "+
		"a connection the server keeps takes two descriptors, one it refuses one", files, inUse)
	if res.Conns < *conns {
		res.Note += fmt.Sprintf("; %d connections fit, not the %d asked for", res.Conns, *conns)
	}
	if res.Conns <= 0 {
		return nil, fmt.Errorf("bench flood: no room for a connection under the open-file limit of %d (raise it with ulimit -n)", files)
	}
	res.Addresses = cmp.Or(*addresses, res.Conns)
	flood(ctx, s, res, *every)
	return res, nil
}

// floodBudget is the most flooding connections that fit in files open
// files beside inUse ones, against a server that keeps at most total: each
// kept connection holds a descriptor on each side, each refused one only
// the client's.
func floodBudget(files uint64, inUse, total int) int {
	free := int(min(files, 1<<30)) - inUse - overflowSlots - floodFiles
	if free-total > total {
		return free - total
	}
	return free / 2
}

// openFiles counts this process's open files (Linux; 0 elsewhere).
func openFiles() int {
	fds, _ := os.ReadDir("/proc/self/fd")
	return len(fds)
}

// floodAddr is the i-th flooding source address: 127.0.1.0 onwards, clear
// of 127.0.0.1, where the probes come from.
func floodAddr(i int) string {
	v := 256 + i
	return fmt.Sprintf("127.%d.%d.%d", v>>16&255, v>>8&255, v&255)
}

// dialFrom connects to addr from the loopback address from: Linux answers
// on all of 127/8, so one process can be many clients.
func dialFrom(from, addr string) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	return d.Dial("tcp", addr)
}

// floodOutcome is what became of one flooding connection.
type floodOutcome int

const (
	dialFailed floodOutcome = iota
	kept
	answered503
	closedAtOnce
	otherAnswer
	stillOpen
)

// flood opens res.Conns connections to s, probes /healthz until the server
// has closed them all (or the bench gives up on them), and fills res.
func flood(ctx context.Context, s *benchServer, res *floodBenchResult, probeEvery time.Duration) {
	stall := s.app.cfg.StallTimeout
	addr := s.app.listener.Addr().String()
	head := []byte("POST /api/v1/sessions HTTP/1.1\r\nHost: flood\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
	var (
		mu       sync.Mutex
		outcomes = map[floodOutcome]int{}
		lastEnd  time.Time
		keptMax  time.Duration
		wg       sync.WaitGroup
		opened   sync.WaitGroup             // the handshakes
		dialing  = make(chan struct{}, 128) // bounds the handshakes in flight, not the connections
	)
	start := time.Now()
	probes := make(chan probeResult)
	done := make(chan struct{})
	go func() { probes <- probeHealthz(ctx, s.app.URL()+"/healthz", probeEvery, done) }()
	peak := make(chan int)
	go func() { peak <- watchPeak(s, done) }()
	for i := range res.Conns {
		dialing <- struct{}{}
		wg.Add(1)
		opened.Add(1)
		go func() {
			defer wg.Done()
			out, open := holdConn(ctx, floodAddr(i%res.Addresses), addr, head, stall, func() { <-dialing; opened.Done() })
			end := time.Now()
			mu.Lock()
			defer mu.Unlock()
			outcomes[out]++
			if out == kept {
				keptMax = max(keptMax, open)
			}
			if out != dialFailed && out != stillOpen && end.After(lastEnd) {
				lastEnd = end
			}
		}()
	}
	opened.Wait()
	res.OpenSeconds = time.Since(start).Seconds()
	wg.Wait()
	close(done)
	res.Healthz, res.ServerPeak = <-probes, <-peak
	res.ServerRefused = s.app.listener.Refused()
	res.Kept, res.Answered503, res.ClosedAtOnce = outcomes[kept], outcomes[answered503], outcomes[closedAtOnce]
	res.OtherAnswer, res.DialFailed, res.StillOpen = outcomes[otherAnswer], outcomes[dialFailed], outcomes[stillOpen]
	res.KeptOpenMaxS = keptMax.Seconds()
	if !lastEnd.IsZero() {
		res.AllClosedS = lastEnd.Sub(start).Seconds()
	}
}

// holdConn opens one flooding connection from the address from, sends head
// and waits until the server answers or closes it; dialed is called once
// the handshake is over. A connection answered or closed within half the
// stall bound was turned away at once; a later close is the stall bound's.
// It returns the outcome and how long the connection stayed open.
func holdConn(ctx context.Context, from, addr string, head []byte, stall time.Duration, dialed func()) (floodOutcome, time.Duration) {
	c, err := dialFrom(from, addr)
	dialed()
	if err != nil {
		return dialFailed, 0
	}
	defer c.Close()
	t0 := time.Now()
	if _, err := c.Write(head); err != nil {
		return closedAtOnce, 0
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetReadDeadline(time.Now()) })
	defer stop()
	_ = c.SetReadDeadline(t0.Add(2*stall + 10*time.Second))
	first := make([]byte, 16)
	n, _ := io.ReadFull(c, first)
	_, err = io.Copy(io.Discard, c)
	open := time.Since(t0)
	var timeout net.Error
	switch {
	case errors.As(err, &timeout) && timeout.Timeout():
		return stillOpen, open
	case open >= stall/2:
		return kept, open
	case n == 0:
		return closedAtOnce, open
	case bytes.HasPrefix(first[:n], []byte("HTTP/1.1 503 ")):
		return answered503, open
	}
	return otherAnswer, open
}

// probeHealthz sends GET /healthz every probeEvery on a fresh connection
// from 127.0.0.1, each with a 5 s timeout, until done.
func probeHealthz(ctx context.Context, url string, probeEvery time.Duration, done <-chan struct{}) probeResult {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var (
		res       probeResult
		latencies []time.Duration
	)
	tick := time.NewTicker(probeEvery)
	defer tick.Stop()
	for {
		t0 := time.Now()
		if _, err := get(ctx, client, url, nil, http.StatusOK); err != nil {
			res.Failures++
			res.FirstError = cmp.Or(res.FirstError, err.Error())
		} else {
			latencies = append(latencies, time.Since(t0))
		}
		res.Probes++
		select {
		case <-done:
			slices.Sort(latencies)
			if len(latencies) > 0 {
				ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
				res.P50ms, res.P99ms = ms(latencies[len(latencies)/2]), ms(latencies[len(latencies)*99/100])
				res.MaxMs = ms(latencies[len(latencies)-1])
			}
			return res
		case <-ctx.Done():
			return res
		case <-tick.C:
		}
	}
}

// watchPeak samples the server's connections within the caps until done
// and returns the most seen.
func watchPeak(s *benchServer, done <-chan struct{}) int {
	peak := 0
	for {
		peak = max(peak, s.app.listener.Active())
		select {
		case <-done:
			return peak
		case <-time.After(10 * time.Millisecond):
		}
	}
}
