package accounts

import (
	"testing"
	"time"
)

func TestTouches(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type use struct {
		id  string
		sec int // seconds after t0
	}
	for _, tc := range []struct {
		name string
		uses []use
		want map[string]int // session ID → seconds after t0
	}{
		{"nothing", nil, map[string]int{}},
		{"latest use wins", []use{{"a", 1}, {"b", 2}, {"a", 3}}, map[string]int{"a": 3, "b": 2}},
		{"older use never wins", []use{{"a", 5}, {"a", 4}}, map[string]int{"a": 5}},
		{"full set drops new sessions but updates known ones", []use{{"a", 1}, {"b", 2}, {"c", 3}, {"a", 4}},
			map[string]int{"a": 4, "b": 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTouches(2)
			for _, u := range tc.uses {
				ts.record(u.id, t0.Add(time.Duration(u.sec)*time.Second))
			}
			got := ts.take()
			if len(got) != len(tc.want) {
				t.Fatalf("take = %v, want %v", got, tc.want)
			}
			for id, sec := range tc.want {
				if want := t0.Add(time.Duration(sec) * time.Second); !got[id].Equal(want) {
					t.Errorf("take[%s] = %v, want %v", id, got[id], want)
				}
			}
			if again := ts.take(); len(again) != 0 {
				t.Errorf("second take = %v, want empty", again)
			}
		})
	}
}
