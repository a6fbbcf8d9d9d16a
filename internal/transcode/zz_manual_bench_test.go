package transcode_test

import (
	"context"
	"os"
	"testing"

	"github.com/flick-video/flick/internal/transcode"
)

func TestManualBench(t *testing.T) {
	if os.Getenv("MANUAL_BENCH") == "" {
		t.Skip()
	}
	e := newEnv(t, transcode.Config{})
	res, err := transcode.BenchUpload(context.Background(), transcode.BenchConfig{
		Store: e.store, Blobs: e.blobs, AuthorID: e.authorID, WorkDir: "/tmp/fx/bench", Runs: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pipeline %v plain %v ratio %.3f runs %v %v", res.Pipeline, res.Plain, res.Ratio, res.PipelineRuns, res.PlainRuns)
}
