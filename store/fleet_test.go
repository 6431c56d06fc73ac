package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

func TestFleetAudits(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, _, err := st.LastFleetAudit(ctx); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("LastFleetAudit before any = %v, want ErrNotFound", err)
		}
		t0 := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
		report := func(id int64) ([]byte, error) { return fmt.Appendf(nil, "report %d", id), nil }
		first := store.FleetAudit{Started: t0, Finished: t0.Add(time.Second), Images: 2,
			Counts: store.SeverityCounts{High: 2, Low: 1}, New: 2, DBBuilt: t0.Add(-time.Hour)}
		id1, err := st.SaveFleetAudit(ctx, first, report,
			[]store.FleetImage{{Digest: "sha256:a", SBOM: "sha256:a", Created: t0.Add(-48 * time.Hour), Packages: 3}, {Digest: "sha256:b", SBOM: "sha256:b1", Packages: 1}},
			[]store.FleetFinding{{Digest: "sha256:a", ID: "CVE-1"}, {Digest: "sha256:a", ID: "CVE-2"}, {Digest: "sha256:b", ID: "CVE-1"}}, nil)
		if err != nil {
			t.Fatalf("SaveFleetAudit: %v", err)
		}
		got, body, err := st.LastFleetAudit(ctx)
		first.ID = id1
		if err != nil || !reflect.DeepEqual(got, first) || string(body) != fmt.Sprintf("report %d", id1) {
			t.Fatalf("LastFleetAudit = %+v, %q, %v; want %+v and its report", got, body, err, first)
		}
		ims, err := st.FleetImages(ctx)
		if err != nil || len(ims) != 2 || ims["sha256:a"].Packages != 3 || !ims["sha256:a"].Created.Equal(t0.Add(-48*time.Hour)) || !ims["sha256:b"].Created.IsZero() || ims["sha256:b"].SBOM != "sha256:b1" {
			t.Fatalf("FleetImages = %+v, %v", ims, err)
		}

		// The second audit: b stopped running (its pair goes), a lost CVE-2
		// and gained CVE-3, c is new.
		second := store.FleetAudit{Started: t0.Add(time.Hour), Finished: t0.Add(time.Hour + time.Second), Images: 2}
		id2, err := st.SaveFleetAudit(ctx, second, report,
			[]store.FleetImage{{Digest: "sha256:a", SBOM: "sha256:a", Created: t0.Add(-48 * time.Hour), Packages: 3}, {Digest: "sha256:c", SBOM: "sha256:c", Packages: 5}},
			[]store.FleetFinding{{Digest: "sha256:a", ID: "CVE-3"}, {Digest: "sha256:c", ID: "CVE-1"}},
			[]store.FleetFinding{{Digest: "sha256:a", ID: "CVE-2"}, {Digest: "sha256:b", ID: "CVE-1"}})
		if err != nil || id2 <= id1 {
			t.Fatalf("second SaveFleetAudit = %d, %v; want an ID after %d", id2, err, id1)
		}
		fs, err := st.FleetFindings(ctx)
		want := []store.FleetFinding{{Digest: "sha256:a", ID: "CVE-1"}, {Digest: "sha256:a", ID: "CVE-3"}, {Digest: "sha256:c", ID: "CVE-1"}}
		if err != nil || !reflect.DeepEqual(fs, want) {
			t.Fatalf("FleetFindings = %+v, %v; want %+v", fs, err, want)
		}
		ims, err = st.FleetImages(ctx)
		if _, gone := ims["sha256:b"]; err != nil || len(ims) != 2 || gone || ims["sha256:c"].Packages != 5 {
			t.Fatalf("FleetImages after the second audit = %+v, %v; want a and c", ims, err)
		}

		// Many audits: history is oldest first and bounded; only the last
		// few keep their report.
		for i := range store.FleetReportsKept + 2 {
			at := t0.Add(time.Duration(2+i) * time.Hour)
			if _, err := st.SaveFleetAudit(ctx, store.FleetAudit{Started: at, Finished: at, New: i}, report, nil, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		h, err := st.FleetHistory(ctx, 5)
		if err != nil || len(h) != 5 || h[0].New != store.FleetReportsKept-3 || h[4].New != store.FleetReportsKept+1 {
			t.Fatalf("FleetHistory(5) = %+v, %v; want the last five, oldest first", h, err)
		}
		if ims, _ := st.FleetImages(ctx); len(ims) != 0 {
			t.Errorf("FleetImages after audits of nothing = %+v; want none", ims)
		}
		var kept int
		if err := st.QueryRowContext(ctx, "SELECT COUNT(*) FROM fleet_audits WHERE report <> ?", []byte{}).Scan(&kept); err != nil || kept != store.FleetReportsKept {
			t.Errorf("audits keeping a report = %d, %v; want %d", kept, err, store.FleetReportsKept)
		}
	})
}

func TestPutFindingsBatch(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
		if err := st.IndexFindings(ctx, "sha256:a", []string{"CVE-OLD"}); err != nil {
			t.Fatal(err)
		}
		var batch []store.FindingsUpdate
		for i := range 150 { // more than one statement's worth
			d := fmt.Sprintf("sha256:%03d", i)
			if i == 0 {
				d = "sha256:a"
			}
			batch = append(batch, store.FindingsUpdate{StoredFindings: store.StoredFindings{Digest: d, Findings: []byte(d), DBBuilt: at, Updated: at.Add(time.Minute)},
				IDs: []string{"CVE-1", fmt.Sprintf("CVE-%d", 100+i)}})
		}
		if err := st.PutFindingsBatch(ctx, batch); err != nil {
			t.Fatalf("PutFindingsBatch: %v", err)
		}
		got, err := st.GetFindings(ctx, "sha256:149")
		if err != nil || string(got.Findings) != "sha256:149" || !got.DBBuilt.Equal(at) || !got.Updated.Equal(at.Add(time.Minute)) {
			t.Fatalf("GetFindings = %+v, %v", got, err)
		}
		if ds, err := st.DigestsWithFinding(ctx, "CVE-1"); err != nil || len(ds) != 150 {
			t.Errorf("DigestsWithFinding(CVE-1) = %d digests, %v; want 150", len(ds), err)
		}
		if ds, err := st.DigestsWithFinding(ctx, "CVE-OLD"); err != nil || len(ds) != 0 {
			t.Errorf("DigestsWithFinding(CVE-OLD) = %v, %v; want it replaced", ds, err)
		}
		batch[0].Findings, batch[0].IDs = []byte("again"), nil
		if err := st.PutFindingsBatch(ctx, batch[:1]); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.GetFindings(ctx, "sha256:a"); string(got.Findings) != "again" {
			t.Errorf("findings of a after a second batch = %q; want replaced", got.Findings)
		}
		if ds, _ := st.DigestsWithFinding(ctx, "CVE-1"); len(ds) != 149 {
			t.Errorf("DigestsWithFinding(CVE-1) after a's IDs were cleared = %d; want 149", len(ds))
		}
	})
}
