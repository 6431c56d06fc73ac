package store_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

func TestVerdicts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		const d = "sha256:aa"
		if _, err := st.GetVerdict(ctx, "team", d); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetVerdict before any = %v, want ErrNotFound", err)
		}
		wrote, err := st.MarkPending(ctx, "team", d)
		if err != nil || !wrote {
			t.Fatalf("MarkPending = %v, %v; want a write", wrote, err)
		}
		v, err := st.GetVerdict(ctx, "team", d)
		if err != nil || v.Status != store.VerdictPending {
			t.Fatalf("after MarkPending: %+v, %v", v, err)
		}
		at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
		fail := &store.Verdict{
			Namespace: "team", Digest: d, Status: store.VerdictFail,
			Reasons:  []store.VerdictReason{{Rule: "severity.failOn", Message: "1 vulnerability at or above high", IDs: []string{"CVE-2023-4911"}}},
			Blocking: []store.BlockingFinding{{ID: "CVE-2023-4911", Package: "libc6", Version: "2.36-9+deb12u1", Severity: "high", Fixed: []string{"2.36-9+deb12u3"}}},
			FailOn:   "high", PolicyName: "prod", PolicyDigest: "sha256:pp", DBVersion: "2026-11-29T00:00:00Z", DBChecked: at.Add(-time.Hour),
			Counts: store.SeverityCounts{High: 1, Unknown: 2}, ScannedAt: at,
		}
		prev, err := st.PutVerdict(ctx, fail)
		if err != nil || prev != store.VerdictPending {
			t.Fatalf("PutVerdict = %q, %v; want it to replace pending", prev, err)
		}
		got, err := st.GetVerdict(ctx, "team", d)
		if err != nil {
			t.Fatal(err)
		}
		if got.UpdatedAt.IsZero() {
			t.Error("UpdatedAt not set")
		}
		got.UpdatedAt = time.Time{}
		if !reflect.DeepEqual(got, fail) {
			t.Errorf("read back\n%+v\nwant\n%+v", got, fail)
		}
		if got.Counts.Total() != 3 {
			t.Errorf("Total = %d, want 3", got.Counts.Total())
		}
		// A push of the same digest again keeps the verdict.
		if wrote, err := st.MarkPending(ctx, "team", d); err != nil || wrote {
			t.Errorf("MarkPending over a verdict = %v, %v; want no write", wrote, err)
		}
		// The same digest under another namespace's policy is its own row.
		if _, err := st.PutVerdict(ctx, &store.Verdict{Namespace: "", Digest: d, Status: store.VerdictPass, ScannedAt: at}); err != nil {
			t.Fatal(err)
		}
		prev, err = st.PutVerdict(ctx, &store.Verdict{Namespace: "team", Digest: d, Status: store.VerdictPass, ScannedAt: at})
		if err != nil || prev != store.VerdictFail {
			t.Errorf("PutVerdict pass over fail returned %q, %v; want fail", prev, err)
		}
		all, err := st.VerdictsOf(ctx, d)
		if err != nil || len(all) != 2 || all[0].Namespace != "" || all[1].Namespace != "team" || all[1].Reasons == nil {
			t.Errorf("VerdictsOf = %+v, %v", all, err)
		}
		if _, err := st.PutVerdict(ctx, &store.Verdict{Namespace: "team", Digest: "sha256:bb", Status: store.VerdictError, Error: "layer 2 unreadable"}); err != nil {
			t.Fatal(err)
		}
		list, err := st.Verdicts(ctx, "team", store.VerdictError, "", 10)
		if err != nil || len(list) != 1 || list[0].Error != "layer 2 unreadable" {
			t.Errorf("Verdicts(error) = %+v, %v", list, err)
		}
		list, err = st.Verdicts(ctx, "team", "", d, 0)
		if err != nil || len(list) != 1 || list[0].Digest != "sha256:bb" {
			t.Errorf("Verdicts after %s = %+v, %v", d, list, err)
		}
		for _, bad := range []*store.Verdict{{Digest: d, Status: "maybe"}, {Status: store.VerdictPass}} {
			if _, err := st.PutVerdict(ctx, bad); err == nil {
				t.Errorf("PutVerdict(%+v) accepted", bad)
			}
		}
	})
}

func TestSBOMs(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		deb := func(n string) store.PackageName { return store.PackageName{Ecosystem: "Debian:12", Name: n} }
		put := func(d string, pkgs ...store.PackageName) {
			t.Helper()
			if err := st.PutSBOM(ctx, &store.SBOM{Digest: d, Inventory: []byte(`{"digest":"` + d + `"}`), Packages: pkgs}); err != nil {
				t.Fatal(err)
			}
		}
		put("sha256:01", deb("glibc"), deb("curl"), deb("curl"))
		put("sha256:02", deb("openssl"), store.PackageName{Ecosystem: "Go", Name: "golang.org/x/net"})
		put("sha256:03", deb("curl"))
		put("sha256:03", deb("zlib")) // replaced: no longer names curl

		sb, err := st.GetSBOM(ctx, "sha256:01")
		if err != nil || string(sb.Inventory) != `{"digest":"sha256:01"}` || sb.CreatedAt.IsZero() {
			t.Fatalf("GetSBOM = %+v, %v", sb, err)
		}
		if _, err := st.GetSBOM(ctx, "sha256:99"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetSBOM(missing) = %v, want ErrNotFound", err)
		}
		for d, want := range map[string]bool{"sha256:01": true, "sha256:99": false} {
			if has, err := st.HasSBOM(ctx, d); err != nil || has != want {
				t.Errorf("HasSBOM(%s) = %v, %v; want %v", d, has, err, want)
			}
		}
		ds, err := st.SBOMDigests(ctx, "", 2)
		if err != nil || !slices.Equal(ds, []string{"sha256:01", "sha256:02"}) {
			t.Errorf("SBOMDigests first page = %v, %v", ds, err)
		}
		ds, err = st.SBOMDigests(ctx, "sha256:02", 2)
		if err != nil || !slices.Equal(ds, []string{"sha256:03"}) {
			t.Errorf("SBOMDigests second page = %v, %v", ds, err)
		}
		tests := []struct {
			names []store.PackageName
			want  []string
		}{
			{[]store.PackageName{deb("curl")}, []string{"sha256:01"}},
			{[]store.PackageName{deb("zlib"), {Ecosystem: "Go", Name: "golang.org/x/net"}}, []string{"sha256:02", "sha256:03"}},
			{[]store.PackageName{{Ecosystem: "Alpine:v3.19", Name: "curl"}}, []string{}},
		}
		for _, tc := range tests {
			got, err := st.SBOMsNaming(ctx, tc.names)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("SBOMsNaming(%v) = %v, %v; want %v", tc.names, got, err, tc.want)
			}
		}
		many := make([]store.PackageName, 1000)
		for i := range many {
			many[i] = deb("pkg" + string(rune('a'+i%26)) + string(rune('a'+i/26)))
		}
		// An SBOM of 700 packages is written in several statements.
		put("sha256:04", many[:700]...)
		if got, err := st.SBOMsNaming(ctx, []store.PackageName{many[0], many[699]}); err != nil || !slices.Equal(got, []string{"sha256:04"}) {
			t.Errorf("SBOMsNaming over a 700-package SBOM = %v, %v", got, err)
		}
		if got, err := st.SBOMsNaming(ctx, many[700:]); err != nil || len(got) != 0 {
			t.Errorf("SBOMsNaming of names outside it = %v, %v", got, err)
		}
		many = append(many, deb("openssl"))
		if got, err := st.SBOMsNaming(ctx, many); err != nil || !slices.Equal(got, []string{"sha256:02", "sha256:04"}) {
			t.Errorf("SBOMsNaming over 1,001 names = %v, %v", got, err)
		}
	})
}
