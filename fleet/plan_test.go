package fleet

import (
	"context"
	"testing"

	"github.com/drydock/drydock/store/storetest"
)

// TestPlanCommand: the printed command names the workload by lower-case
// kind, leaves -n out without a namespace, and quotes what a shell would
// otherwise read as more than a word.
func TestPlanCommand(t *testing.T) {
	const ref = "reg.example:5000/team/app@sha256:0123"
	for _, c := range []struct {
		w         Workload
		container string
		want      string
	}{
		{Workload{Kind: "Deployment", Namespace: "prod", Name: "web"}, "web",
			"kubectl -n prod set image deployment/web web=" + ref},
		{Workload{Kind: "CronJob", Namespace: "batch", Name: "nightly"}, "job",
			"kubectl -n batch set image cronjob/nightly job=" + ref},
		{Workload{Kind: "StatefulSet", Name: "db"}, "postgres",
			"kubectl set image statefulset/db postgres=" + ref},
		{Workload{Kind: "Deployment", Namespace: "prod; rm -rf ~", Name: "web$(id)"}, "it's",
			`kubectl -n 'prod; rm -rf ~' set image 'deployment/web$(id)' 'it'\''s=` + ref + `'`},
		{Workload{Kind: "Workload", Name: "batch"}, "main", ""}, // an inventory file's default kind
	} {
		if got := kubectlSetImage(c.w, c.container, ref); got != c.want {
			t.Errorf("kubectlSetImage(%v, %q) =\n%s\nwant\n%s", c.w, c.container, got, c.want)
		}
	}
}

// TestPlanNoTarget: an image whose findings no newer passing build lacks
// gets no step, and neither does one without findings or from outside.
func TestPlanNoTarget(t *testing.T) {
	w := newWorld(t, storetest.SQLite(t))
	rep := w.report()
	// Only glibc's finding: app2 and app4 keep it.
	var glibc []Finding
	for _, f := range w.findings1 {
		if f.Package == "libc6" {
			glibc = append(glibc, f)
		}
	}
	if len(glibc) != 1 {
		t.Fatalf("glibc findings %+v, want one", glibc)
	}
	rep.Images[0].Findings = glibc
	rep.Images[2].Findings = w.findings1 // nginx: not in the registry
	if err := analyze(context.Background(), w.config(), rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Plan) != 0 {
		t.Errorf("Plan = %+v, want no step", rep.Plan)
	}
	if rep.Plan == nil {
		t.Error("Plan is nil, want an empty list (JSON [])")
	}
}

// TestPlanRollout: a container seen running two digests (a rollout under
// way) gets one step.
func TestPlanRollout(t *testing.T) {
	w := newWorld(t, storetest.SQLite(t))
	rep := w.report()
	web := Workload{Kind: "Deployment", Namespace: "prod", Name: "web"}
	rep.Running = append(rep.Running, Running{Workload: web, Pod: "web-3", Container: "web", Image: w.host + "/team/app:0", Digest: w.app0})
	rep.Images = append(rep.Images, &Image{Digest: w.app0, Refs: []string{w.host + "/team/app:0"}, Repository: w.host + "/team/app",
		Workloads: []Workload{web}, Findings: w.findings1})
	if err := analyze(context.Background(), w.config(), rep); err != nil {
		t.Fatal(err)
	}
	var webSteps []PlanStep
	for _, s := range rep.Plan {
		if s.Workload == web {
			webSteps = append(webSteps, s)
		}
	}
	want := min(w.app0, w.app1)
	if len(webSteps) != 1 || webSteps[0].Current != want || webSteps[0].Target != w.app2 {
		t.Errorf("steps for %s = %+v, want one from %s to app2 %s", web, webSteps, want, w.app2)
	}
	if len(rep.Plan) != 2 {
		t.Errorf("%d steps, want 2 (web and batch)", len(rep.Plan))
	}
}
