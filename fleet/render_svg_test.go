package fleet

import (
	"slices"
	"testing"
	"time"
)

// TestRenderAgeBuckets checks the bucket boundaries (a boundary age falls
// in the older bucket) and where an age comes from: the staleness, else
// the config's created time, else unknown.
func TestRenderAgeBuckets(t *testing.T) {
	rep := &Report{Finished: auditStart}
	for _, days := range []int{0, 29, 30, 89, 90, 179, 180, 364, 365, 4000} {
		rep.Images = append(rep.Images, &Image{Staleness: &Staleness{AgeDays: days}})
	}
	created := auditStart.Add(-100 * 24 * time.Hour)
	rep.Images = append(rep.Images,
		&Image{Created: &created},                                     // 100 days, from Created
		&Image{Created: &created, Staleness: &Staleness{AgeDays: -1}}, // staleness knows no time: Created says
		&Image{Staleness: &Staleness{AgeDays: -1}},                    // unknown
		&Image{}, // unknown
	)
	if got, want := ageCounts(rep), []int{2, 2, 4, 2, 2, 2}; !slices.Equal(got, want) {
		t.Errorf("ageCounts = %v, want %v", got, want)
	}
}

func TestRenderNiceScale(t *testing.T) {
	for _, tc := range []struct{ top, step, yMax int }{
		{0, 1, 1}, {1, 1, 1}, {5, 1, 5}, {6, 2, 6}, {7, 2, 8}, {11, 5, 15}, {26, 10, 30}, {250, 50, 250}, {251, 100, 300},
	} {
		if step, yMax := niceScale(tc.top); step != tc.step || yMax != tc.yMax {
			t.Errorf("niceScale(%d) = %d, %d; want %d, %d", tc.top, step, yMax, tc.step, tc.yMax)
		}
	}
}
