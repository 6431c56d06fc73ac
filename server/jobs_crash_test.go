package server_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"

	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/jobs"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
	"github.com/drydock/drydock/vulndb/vulndbtest"
)

// TestKillWithJobsQueued pushes 40 images with crane to a server that
// only queues their scans, restarts it with workers, kills it -9 while its
// workers are part way through, restarts it again on the same data, and
// checks that every job ends completed exactly once — none lost, none
// duplicated — and that every image has its SBOM and verdict.
func TestKillWithJobsQueued(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("spawns processes")
	}
	t.Run("sqlite", func(t *testing.T) { killWithJobsQueued(t, "") })
	t.Run("postgres", func(t *testing.T) { killWithJobsQueued(t, storetest.PostgresDSN(t)) })
}

func killWithJobsQueued(t *testing.T, database string) {
	const n = 40
	dir := t.TempDir()
	dbPath := vulndbtest.FixturePath(t)
	env := []string{"DRYDOCK_CRASH_VULNDB=" + dbPath, "DRYDOCK_CRASH_DATABASE=" + database}
	child, addr := startChild(t, dir, append(env, "DRYDOCK_CRASH_NO_WORKERS=1")...)
	digests := map[string]bool{}
	for i := range n {
		img := imagetest.Image(t, imagetest.Step{Layer: imagetest.Layer(t,
			imagetest.File{Name: "etc/os-release", Body: "ID=debian\nVERSION_ID=\"12\"\n"},
			imagetest.File{Name: "var/lib/dpkg/status", Body: "Package: libc6\nStatus: install ok installed\nSource: glibc\nVersion: 2.36-9+deb12u1\n\n"},
			imagetest.File{Name: "etc/hostname", Body: fmt.Sprintf("image-%d\n", i)},
		)})
		if err := crane.Push(img, fmt.Sprintf("%s/crash/app:%d", addr, i), crane.Insecure); err != nil {
			t.Fatal(err)
		}
		d, _ := img.Digest()
		digests[d.String()] = true
	}
	ctx := t.Context()
	dsn := database
	if dsn == "" {
		dsn = filepath.Join(dir, "drydock.db")
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	q, err := jobs.New(ctx, st, dsn) // to read the queue from this process
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	// The registry tells its listeners just after it answers a push.
	var c map[string]int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err = q.Counts(ctx); err != nil || c["available"] == n {
			break
		}
	}
	if err != nil || c["available"] != n {
		t.Fatalf("queue after %d pushes: %v, %v; want %d scans available", n, c, err, n)
	}
	child.Process.Signal(syscall.SIGTERM)
	child.Wait()
	child, _ = startChild(t, dir, env...)
	counts := func() map[string]int {
		c, err := q.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	completed := func() int { return counts()["completed"] }
	// Kill while workers hold jobs, after some have finished.
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if c := counts(); c["completed"] >= 2 && c["running"] > 0 {
			break
		}
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	done := completed()
	atKill := counts()
	if done == 0 || done == n || atKill["running"] == 0 {
		t.Fatalf("queue at the kill: %v; the test needs some done, some running and some queued", atKill)
	}
	t.Logf("%d of %d scan jobs completed before kill -9; queue then: %v", done, n, atKill)

	child, _ = startChild(t, dir, env...)
	defer func() { child.Process.Kill(); child.Wait() }()
	// A job the killed process was running is taken up again once its
	// timeout has passed and River's rescuer (every 30 s) finds it.
	for deadline := time.Now().Add(3 * time.Minute); completed() < n && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
	}
	argsCol := "json(args)" // SQLite keeps JSONB
	if database != "" {
		argsCol = "args::text"
	}
	rows, err := st.QueryContext(ctx, `SELECT `+argsCol+`, state FROM river_job WHERE kind = 'scan'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]int{}
	for rows.Next() {
		var args string
		var state string
		if err := rows.Scan(&args, &state); err != nil {
			t.Fatal(err)
		}
		var a jobs.ScanArgs
		if err := json.Unmarshal([]byte(args), &a); err != nil {
			t.Fatal(err)
		}
		seen[a.Digest]++
		if state != "completed" {
			t.Errorf("job for %s is %s after the restart", a.Digest, state)
		}
	}
	for d := range digests {
		if seen[d] != 1 {
			t.Errorf("%s has %d jobs, want exactly 1", d, seen[d])
		}
		v, err := st.GetVerdict(ctx, "crash", d)
		if err != nil || v.Status != store.VerdictPass || v.Counts.High != 1 {
			t.Errorf("verdict on %s = %+v, %v; want a pass (default policy) counting one high finding", d, v, err)
		}
		if _, err := st.GetSBOM(ctx, d); err != nil {
			t.Errorf("no SBOM for %s: %v", d, err)
		}
	}
	if len(seen) != n {
		t.Errorf("%d jobs in the queue, want %d", len(seen), n)
	}
}
