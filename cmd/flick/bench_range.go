package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/flick-video/flick/internal/media"
)

type rangeBenchResult struct {
	File       string      `json:"file"`
	FileBytes  int64       `json:"file_bytes"`
	RangeBytes int64       `json:"range_bytes"`
	Flick      loadResult  `json:"flick"`
	Nginx      *loadResult `json:"nginx,omitempty"`
	// Ratio is Flick's throughput over nginx's (goal >= 0.8).
	Ratio float64 `json:"ratio_to_nginx,omitempty"`
}

func benchRange(ctx context.Context, args []string, stderr io.Writer) (any, error) {
	fs := flagSet("bench range", "Measure HTTP Range requests on a rendition, against nginx serving the same file\n(nginx from \"apt-get install nginx-light\"; without it only Flick is measured).", stderr)
	conc := fs.Int("concurrency", 16, "concurrent clients")
	dur := fs.Duration("duration", 10*time.Second, "how long to run each server")
	size := fs.Int64("range-bytes", 256<<10, "bytes per range request")
	clipLen := fs.Int("clip-seconds", 20, "length of the generated 720x1280 clip whose top rendition is served")
	s, err := parseAndStart(ctx, fs, args, stderr)
	if err != nil {
		return nil, err
	}
	defer s.stop()
	clip, err := benchClip(ctx, s.dir, 720, 1280, *clipLen)
	if err != nil {
		return nil, err
	}
	_, v, err := s.uploadAndWait(ctx, clip, len(media.Ladder(720, 1280))) // serve the top rendition
	if err != nil {
		return nil, err
	}
	rendition := v.Renditions[len(v.Renditions)-1]
	fileURL := s.app.URL() + rendition.URL
	// Read the rendition once through Flick to learn its size and to copy
	// it for nginx: the same bytes, both warm in the page cache.
	nginxRoot := filepath.Join(s.dir, "nginx-root")
	if err := os.MkdirAll(nginxRoot, 0o755); err != nil {
		return nil, err
	}
	// nginx's workers may run as another user: let them reach the file.
	if err := os.Chmod(s.dir, 0o755); err != nil {
		return nil, err
	}
	fileSize, err := download(ctx, fileURL, filepath.Join(nginxRoot, "r.mp4"))
	if err != nil {
		return nil, err
	}
	do := func(url string) func(context.Context, *http.Client, *rand.Rand) (int64, error) {
		return func(ctx context.Context, c *http.Client, rng *rand.Rand) (int64, error) {
			off := rng.Int64N(max(fileSize-*size, 1))
			h := http.Header{"Range": {fmt.Sprintf("bytes=%d-%d", off, off+*size-1)}}
			return get(ctx, c, url, h, http.StatusPartialContent)
		}
	}
	res := rangeBenchResult{File: rendition.Name, FileBytes: fileSize, RangeBytes: *size}
	res.Flick = runLoad(ctx, *conc, *dur, do(fileURL))

	nginxURL, stop, err := startNginx(ctx, s.dir, nginxRoot)
	if errors.Is(err, exec.ErrNotFound) {
		fmt.Fprintln(stderr, "nginx not installed (apt-get install nginx-light): measured Flick only")
		return res, nil
	} else if err != nil {
		return nil, err
	}
	defer stop()
	n := runLoad(ctx, *conc, *dur, do(nginxURL+"/r.mp4"))
	if n.Requests == 0 {
		return nil, fmt.Errorf("nginx answered no request successfully (%d errors); see %s", n.Errors, filepath.Join(s.dir, "nginx", "error.log"))
	}
	res.Nginx = &n
	if n.MBPerSecond > 0 {
		res.Ratio = res.Flick.MBPerSecond / n.MBPerSecond
	}
	return res, nil
}

func download(ctx context.Context, url, path string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(path, 0o644) // nginx workers may run as another user
	}
	return n, err
}

// startNginx runs nginx in the foreground on a free loopback port, serving
// root with sendfile on, the way one would serve video files with it.
func startNginx(ctx context.Context, dir, root string) (url string, stop func(), err error) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/nginx"); serr != nil {
			return "", nil, err
		}
		bin = "/usr/sbin/nginx"
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := l.Addr().String()
	l.Close()
	prefix := filepath.Join(dir, "nginx")
	if err := os.MkdirAll(filepath.Join(prefix, "tmp"), 0o755); err != nil {
		return "", nil, err
	}
	conf := fmt.Sprintf(`worker_processes auto;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path %[1]s/tmp;
  proxy_temp_path %[1]s/tmp;
  fastcgi_temp_path %[1]s/tmp;
  uwsgi_temp_path %[1]s/tmp;
  scgi_temp_path %[1]s/tmp;
  types { video/mp4 mp4; }
  server {
    listen %[2]s;
    root %[3]s;
  }
}
`, prefix, addr, root)
	confPath := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return "", nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "-p", prefix, "-c", confPath)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop = func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}
	url = "http://" + addr
	for deadline := time.Now().Add(5 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return url, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, errors.New("nginx did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
