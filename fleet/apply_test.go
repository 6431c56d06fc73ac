package fleet_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/drydock/drydock/fleet"
	"github.com/drydock/drydock/internal/kubetest"
)

// controllers plays the deployment, statefulset and daemonset controllers,
// which do not run here (no controller manager; the API server alone):
// when it sees a workload's generation move on (the patch), it writes a
// rollout in progress through the status subresource, and after rollTime
// the finished rollout, as the real controllers would once the new pods
// are up. Workloads named in stuck never finish. It records when it first
// saw each patch and when each rollout finished.
type controllers struct {
	cs       kubernetes.Interface
	ns       string
	rollTime time.Duration
	stuck    map[string]bool

	mu       sync.Mutex
	seen     map[string]time.Time // workload name → when its patch was first seen
	finished map[string]time.Time
	gen      map[string]int64
}

func (c *controllers) run(ctx context.Context, t *testing.T) {
	for ctx.Err() == nil {
		c.pass(ctx, t)
		time.Sleep(50 * time.Millisecond)
	}
}

// step decides what status a workload gets now: -1 none, 0 in progress,
// 1 finished.
func (c *controllers) step(name string, gen int64) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	switch {
	case gen == 1 && c.gen[name] == 0: // just created: settle it
		c.gen[name] = 1
		return 1
	case gen > c.gen[name]:
		c.gen[name] = gen
		c.seen[name] = now
		delete(c.finished, name)
		return 0
	case !c.stuck[name] && c.finished[name].IsZero() && now.Sub(c.seen[name]) >= c.rollTime:
		c.finished[name] = now
		return 1
	}
	return -1
}

func (c *controllers) pass(ctx context.Context, t *testing.T) {
	apps := c.cs.AppsV1()
	ds, _ := apps.Deployments(c.ns).List(ctx, metav1.ListOptions{})
	for _, d := range ds.Items {
		s := c.step(d.Name, d.Generation)
		if s < 0 {
			continue
		}
		d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: 3, UpdatedReplicas: 1, ReadyReplicas: 2, AvailableReplicas: 2}
		if s == 1 {
			d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2}
		}
		d.ResourceVersion = "" // unconditional: Apply may have patched it since the list
		if _, err := apps.Deployments(c.ns).UpdateStatus(ctx, &d, metav1.UpdateOptions{}); err != nil && ctx.Err() == nil {
			t.Errorf("deployment %s status: %v", d.Name, err)
		}
	}
	ss, _ := apps.StatefulSets(c.ns).List(ctx, metav1.ListOptions{})
	for _, s := range ss.Items {
		st := c.step(s.Name, s.Generation)
		if st < 0 {
			continue
		}
		s.Status = appsv1.StatefulSetStatus{ObservedGeneration: s.Generation, Replicas: 2, ReadyReplicas: 2, AvailableReplicas: 2,
			CurrentReplicas: 1, UpdatedReplicas: 1, CurrentRevision: "db-old", UpdateRevision: "db-new"}
		if st == 1 {
			s.Status.CurrentReplicas, s.Status.UpdatedReplicas, s.Status.CurrentRevision = 2, 2, "db-new"
		}
		s.ResourceVersion = "" // unconditional: Apply may have patched it since the list
		if _, err := apps.StatefulSets(c.ns).UpdateStatus(ctx, &s, metav1.UpdateOptions{}); err != nil && ctx.Err() == nil {
			t.Errorf("statefulset %s status: %v", s.Name, err)
		}
	}
	dss, _ := apps.DaemonSets(c.ns).List(ctx, metav1.ListOptions{})
	for _, d := range dss.Items {
		st := c.step(d.Name, d.Generation)
		if st < 0 {
			continue
		}
		d.Status = appsv1.DaemonSetStatus{ObservedGeneration: d.Generation, DesiredNumberScheduled: 3, CurrentNumberScheduled: 3,
			NumberReady: 3, NumberAvailable: 3, UpdatedNumberScheduled: 1}
		if st == 1 {
			d.Status.UpdatedNumberScheduled = 3
		}
		d.ResourceVersion = "" // unconditional: Apply may have patched it since the list
		if _, err := apps.DaemonSets(c.ns).UpdateStatus(ctx, &d, metav1.UpdateOptions{}); err != nil && ctx.Err() == nil {
			t.Errorf("daemonset %s status: %v", d.Name, err)
		}
	}
}

// TestApplyOneWorkloadAtATime rolls a plan through a real API server: each
// workload is patched only after the previous one's rollout finished, the
// patch changes only the named container, a bare Pod is skipped, and a
// rollout that never finishes stops the plan there.
func TestApplyOneWorkloadAtATime(t *testing.T) {
	c := kubetest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k := kubeObjects{t: t, cs: c.Client, ctx: ctx}
	k.namespace("shop")
	old, side := "registry.example.com/team/app:1", "registry.example.com/team/side:1"
	two := int32(2)
	labels := map[string]string{"app": "x"}
	tmpl := template(labels, "app", old, "side", side)
	sel := &metav1.LabelSelector{MatchLabels: labels}
	for _, name := range []string{"a", "b", "c", "stuck", "paused"} {
		if _, err := c.Client.AppsV1().Deployments("shop").Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: appsv1.DeploymentSpec{Replicas: &two, Selector: sel, Template: tmpl, Paused: name == "paused"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Client.AppsV1().StatefulSets("shop").Create(ctx, &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db"},
		Spec: appsv1.StatefulSetSpec{Replicas: &two, Selector: sel, Template: tmpl}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Client.AppsV1().DaemonSets("shop").Create(ctx, &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "agent"},
		Spec: appsv1.DaemonSetSpec{Selector: sel, Template: tmpl}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Client.BatchV1().CronJobs("shop").Create(ctx, &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "report"},
		Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
			Template: withRestart(template(nil, "app", old), corev1.RestartPolicyNever)}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ctl := &controllers{cs: c.Client, ns: "shop", rollTime: 700 * time.Millisecond, stuck: map[string]bool{"stuck": true},
		seen: map[string]time.Time{}, finished: map[string]time.Time{}, gen: map[string]int64{}}
	done := make(chan struct{})
	go func() { defer close(done); ctl.run(ctx, t) }()
	defer func() { cancel(); <-done }()

	target := "registry.example.com/team/app@" + dg("app 2").String()
	step := func(kind, name string) fleet.PlanStep {
		return fleet.PlanStep{Workload: fleet.Workload{Kind: kind, Namespace: "shop", Name: name}, Container: "app", TargetRef: target}
	}
	plan := []fleet.PlanStep{step("Pod", "toolbox"), step("Deployment", "a"), step("StatefulSet", "db"), step("DaemonSet", "agent"),
		step("Deployment", "b"), step("CronJob", "report")}
	var log bytes.Buffer
	err := fleet.Apply(ctx, c.Client, plan, time.Minute, &log)
	if !errors.Is(err, fleet.ErrNotRollable) || strings.Contains(err.Error(), "stopped") {
		t.Fatalf("Apply: %v; want only the Pod skipped\n%s", err, log.String())
	}
	if plan[0].Applied || !strings.Contains(plan[0].ApplyError, "Pod shop/toolbox") {
		t.Errorf("pod step: %+v", plan[0])
	}
	for _, st := range plan[1:] {
		if !st.Applied || st.ApplyError != "" {
			t.Errorf("%s: applied %v, error %q", st.Workload, st.Applied, st.ApplyError)
		}
	}
	ctl.mu.Lock()
	for _, pair := range [][2]string{{"a", "db"}, {"db", "agent"}, {"agent", "b"}} {
		fin, next := ctl.finished[pair[0]], ctl.seen[pair[1]]
		if fin.IsZero() || next.IsZero() || !next.After(fin) {
			t.Errorf("%s patched at %s, before %s's rollout finished (%s)", pair[1], next.Format(time.StampMilli), pair[0], fin.Format(time.StampMilli))
		}
	}
	ctl.mu.Unlock()

	get := metav1.GetOptions{}
	d, _ := c.Client.AppsV1().Deployments("shop").Get(ctx, "b", get)
	s, _ := c.Client.AppsV1().StatefulSets("shop").Get(ctx, "db", get)
	ds, _ := c.Client.AppsV1().DaemonSets("shop").Get(ctx, "agent", get)
	cj, _ := c.Client.BatchV1().CronJobs("shop").Get(ctx, "report", get)
	for what, spec := range map[string]corev1.PodSpec{"deployment b": d.Spec.Template.Spec, "statefulset": s.Spec.Template.Spec,
		"daemonset": ds.Spec.Template.Spec, "cronjob": cj.Spec.JobTemplate.Spec.Template.Spec} {
		if spec.Containers[0].Image != target {
			t.Errorf("%s: app image %s, want %s", what, spec.Containers[0].Image, target)
		}
		if what != "cronjob" && (len(spec.Containers) != 2 || spec.Containers[1].Image != side) {
			t.Errorf("%s: the other container changed: %+v", what, spec.Containers)
		}
	}
	if !strings.Contains(log.String(), "Deployment shop/a: rolled out in") {
		t.Errorf("log lacks the rollout of a:\n%s", log.String())
	}

	// A rollout that never finishes stops the plan: c is not patched.
	plan = []fleet.PlanStep{step("Deployment", "stuck"), step("Deployment", "c")}
	err = fleet.Apply(ctx, c.Client, plan, 2*time.Second, &log)
	if err == nil || !strings.Contains(err.Error(), "stopped at Deployment shop/stuck") || !strings.Contains(err.Error(), "did not finish within 2s") {
		t.Fatalf("stuck rollout: %v", err)
	}
	if plan[0].Applied || !strings.Contains(plan[0].ApplyError, "did not finish") || plan[1].Applied || plan[1].ApplyError != "" {
		t.Errorf("steps after a stuck rollout: %+v", plan)
	}
	d, _ = c.Client.AppsV1().Deployments("shop").Get(ctx, "c", get)
	if d.Generation != 1 || d.Spec.Template.Spec.Containers[0].Image != old {
		t.Errorf("c was patched after the plan stopped: generation %d, image %s", d.Generation, d.Spec.Template.Spec.Containers[0].Image)
	}

	// A paused Deployment would never roll: the plan stops at once.
	plan = []fleet.PlanStep{step("Deployment", "paused")}
	start := time.Now()
	if err := fleet.Apply(ctx, c.Client, plan, time.Minute, nil); err == nil || !strings.Contains(err.Error(), "paused") || time.Since(start) > 10*time.Second {
		t.Errorf("paused deployment: %v after %s", err, time.Since(start))
	}

	// A container the workload does not have stops the plan too.
	plan = []fleet.PlanStep{{Workload: fleet.Workload{Kind: "Deployment", Namespace: "shop", Name: "c"}, Container: "nope", TargetRef: target}}
	if err := fleet.Apply(ctx, c.Client, plan, time.Second, nil); err == nil || !strings.Contains(err.Error(), `no container "nope"`) {
		t.Errorf("missing container: %v", err)
	}
}
