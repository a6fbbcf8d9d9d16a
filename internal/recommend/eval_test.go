package recommend

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// movieLens finds the MovieLens fixture (never committed: its licence
// forbids shipping it). Without it the test skips, unless CI is set.
func movieLens(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("FLICK_DATASETS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "datasets")
	}
	p := filepath.Join(dir, "movielens-latest-small", "ratings.csv")
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("MovieLens ratings needed in CI: %v", err)
		}
		t.Skipf("MovieLens ratings not found (%v); set FLICK_DATASETS", err)
	}
	return p
}

// TestEvaluateMovieLens runs the holdout-10 protocol on the real data: the
// harness's popularity baseline must match the reference figures (that
// shows the harness is right), and the engine must beat the batch EASE
// reference (Recall@20 0.1269, NDCG@20 0.1038) with Coverage@20 >= 1000.
func TestEvaluateMovieLens(t *testing.T) {
	f, err := os.Open(movieLens(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := Evaluate(context.Background(), f, "holdout-10", EvalConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	if res.Users != 610 || res.Items != 9724 {
		t.Fatalf("%d users, %d items; want 610 and 9724", res.Users, res.Items)
	}
	pop := res.Popularity
	if math.Abs(pop.Recall-0.0690) > 0.002 || math.Abs(pop.NDCG-0.0619) > 0.002 || pop.Coverage < 182 || pop.Coverage > 202 {
		t.Fatalf("popularity baseline %+v, want about 0.0690 / 0.0619 / 192", pop)
	}
	if res.Recall <= 0.1269 || res.NDCG <= 0.1038 || res.Coverage < 1000 {
		t.Fatalf("engine %.4f / %.4f / %d does not beat EASE (0.1269 / 0.1038, coverage >= 1000)", res.Recall, res.NDCG, res.Coverage)
	}
}

func TestEvaluateSmallFile(t *testing.T) {
	// Two users, three items: u1's last interaction is held out.
	const csv = "userId,movieId,rating,timestamp\n" +
		"1,10,4.0,100\n1,20,4.0,200\n2,10,3.0,150\n2,20,5.0,160\n2,30,1.0,170\n1,30,2.0,300\n"
	res, err := Evaluate(context.Background(), strings.NewReader(csv), "holdout-1", EvalConfig())
	if err != nil {
		t.Fatal(err)
	}
	// u1 trained on 10, 20 and should be recommended 30 (u2 watched it
	// after 20); u2 trained on 10, 20 holds out 30 too.
	if res.Users != 2 || res.Items != 3 || res.Train != 4 || res.Recall != 1 || res.Coverage != 1 {
		t.Fatalf("result %+v, want both users' held-out item found", res)
	}
	for _, tc := range []struct{ name, csv, protocol string }{
		{"bad protocol", csv, "kfold"},
		{"bad holdout", csv, "holdout-0"},
		{"no ratings", "userId,movieId,rating,timestamp\n", "holdout-10"},
		{"short line", "h\n1,2,3\n", "holdout-10"},
		{"bad timestamp", "h\n1,2,3,x\n", "holdout-10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Evaluate(context.Background(), strings.NewReader(tc.csv), tc.protocol, EvalConfig()); err == nil {
				t.Fatal("no error")
			}
		})
	}
}
