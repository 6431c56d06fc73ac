package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/drydock/drydock/fleet"
	"github.com/drydock/drydock/internal/kubetest"
)

// kubeObjects creates objects in a real API server and sets pod status as
// a kubelet would. No kubelet or controller manager runs here, so the
// test creates the ReplicaSets and Jobs with the ownerReferences their
// controllers would set, and writes each pod's status (phase, container
// statuses with their imageID) through the status subresource.
type kubeObjects struct {
	t   *testing.T
	cs  kubernetes.Interface
	ctx context.Context
}

func (k kubeObjects) namespace(names ...string) {
	for _, n := range names {
		if _, err := k.cs.CoreV1().Namespaces().Create(k.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}}, metav1.CreateOptions{}); err != nil {
			k.t.Fatal(err)
		}
	}
}

// controlledBy is the ownerReference a controller sets on what it creates.
func controlledBy(kind string, obj metav1.Object) []metav1.OwnerReference {
	api := "apps/v1"
	if kind == "Job" || kind == "CronJob" {
		api = "batch/v1"
	}
	yes := true
	return []metav1.OwnerReference{{APIVersion: api, Kind: kind, Name: obj.GetName(), UID: obj.GetUID(), Controller: &yes}}
}

func podSpec(containers ...string) corev1.PodSpec {
	var s corev1.PodSpec
	for i := 0; i+1 < len(containers); i += 2 {
		s.Containers = append(s.Containers, corev1.Container{Name: containers[i], Image: containers[i+1]})
	}
	return s
}

func template(labels map[string]string, containers ...string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: podSpec(containers...)}
}

// pod creates a pod on node-1 and sets its status: phase, and one
// container status per name → imageID ("" leaves that container waiting
// with no imageID, as while pulling).
func (k kubeObjects) pod(ns, name string, owners []metav1.OwnerReference, labels map[string]string, spec corev1.PodSpec,
	phase corev1.PodPhase, imageIDs map[string]string) *corev1.Pod {
	k.t.Helper()
	spec.NodeName = "node-1"
	p, err := k.cs.CoreV1().Pods(ns).Create(k.ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, OwnerReferences: owners},
		Spec: spec}, metav1.CreateOptions{})
	if err != nil {
		k.t.Fatal(err)
	}
	p.Status.Phase = phase
	status := func(c corev1.Container) corev1.ContainerStatus {
		st := corev1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: imageIDs[c.Name]}
		switch {
		case st.ImageID == "":
			st.State.Waiting = &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}
		case phase == corev1.PodSucceeded:
			st.State.Terminated = &corev1.ContainerStateTerminated{Reason: "Completed", ContainerID: "containerd://" + c.Name}
		default:
			st.State.Running, st.Ready = &corev1.ContainerStateRunning{}, true
			st.ContainerID = "containerd://" + c.Name
		}
		return st
	}
	for _, c := range p.Spec.Containers {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, status(c))
	}
	for _, c := range p.Spec.InitContainers {
		st := status(c)
		if c.RestartPolicy == nil { // an init container that ran to completion
			st.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed", ContainerID: "containerd://" + c.Name}}
			st.Ready = false
		}
		p.Status.InitContainerStatuses = append(p.Status.InitContainerStatuses, st)
	}
	for _, c := range p.Spec.EphemeralContainers {
		p.Status.EphemeralContainerStatuses = append(p.Status.EphemeralContainerStatuses, status(corev1.Container{Name: c.Name, Image: c.Image}))
	}
	if p, err = k.cs.CoreV1().Pods(ns).UpdateStatus(k.ctx, p, metav1.UpdateOptions{}); err != nil {
		k.t.Fatalf("pod %s status: %v", name, err)
	}
	return p
}

func dg(s string) digest.Digest { return digest.FromString(s) }

// TestKubeSource builds one of each workload kind in a real API server
// and checks that the source finds each container's running digest and
// its owning workload, and that a namespace filter and paging work.
func TestKubeSource(t *testing.T) {
	c := kubetest.Start(t)
	ctx := context.Background()
	k := kubeObjects{t: t, cs: c.Client, ctx: ctx}
	k.namespace("shop", "ops", "batch")
	reg := "registry.example.com"
	one := int32(1)

	// Deployment → ReplicaSet → two pods; the app runs beside a sidecar
	// (a restartable init container, running) and after an init container
	// that completed (not running: left out).
	webLabels := map[string]string{"app": "web"}
	d, err := c.Client.AppsV1().Deployments("shop").Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"team": "shop"}},
		Spec: appsv1.DeploymentSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: webLabels},
			Template: template(webLabels, "web", reg+"/team/web:1.4")}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := c.Client.AppsV1().ReplicaSets("shop").Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-5d4f", Labels: webLabels, OwnerReferences: controlledBy("Deployment", d)},
		Spec: appsv1.ReplicaSetSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: webLabels},
			Template: template(webLabels, "web", reg+"/team/web:1.4")}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	always := corev1.ContainerRestartPolicyAlways
	webSpec := podSpec("web", reg+"/team/web:1.4")
	webSpec.InitContainers = []corev1.Container{{Name: "migrate", Image: reg + "/team/migrate:1"},
		{Name: "proxy", Image: reg + "/team/proxy:2", RestartPolicy: &always}}
	webIDs := map[string]string{"web": "docker-pullable://" + reg + "/team/web@" + dg("web").String(),
		"migrate": reg + "/team/migrate@" + dg("migrate").String(), "proxy": reg + "/team/proxy@" + dg("proxy").String()}
	k.pod("shop", "web-5d4f-a", controlledBy("ReplicaSet", rs), webLabels, webSpec, corev1.PodRunning, webIDs)
	k.pod("shop", "web-5d4f-b", controlledBy("ReplicaSet", rs), webLabels, webSpec, corev1.PodRunning, webIDs)

	// StatefulSet, its pod running an image from Docker Hub.
	dbLabels := map[string]string{"app": "db"}
	ss, err := c.Client.AppsV1().StatefulSets("shop").Create(ctx, &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Labels: map[string]string{"tier": "data"}},
		Spec: appsv1.StatefulSetSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: dbLabels},
			Template: template(dbLabels, "postgres", "postgres:16")}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	k.pod("shop", "db-0", controlledBy("StatefulSet", ss), dbLabels, podSpec("postgres", "postgres:16"), corev1.PodRunning,
		map[string]string{"postgres": "docker.io/library/postgres@" + dg("postgres").String()})

	// DaemonSet whose runtime reports bare image IDs: the pinned
	// container's digest comes from its spec; the tagged one is unknown.
	agentLabels := map[string]string{"app": "agent"}
	pinned := reg + "/ops/agent@" + dg("agent").String()
	ds, err := c.Client.AppsV1().DaemonSets("ops").Create(ctx, &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent"},
		Spec: appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: agentLabels},
			Template: template(agentLabels, "agent", pinned, "logs", reg+"/ops/logs:3")}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	k.pod("ops", "agent-x1", controlledBy("DaemonSet", ds), agentLabels, podSpec("agent", pinned, "logs", reg+"/ops/logs:3"), corev1.PodRunning,
		map[string]string{"agent": dg("agent config").String(), "logs": dg("logs config").String()})

	// CronJob → Job → a pod that completed: kept, the CronJob runs it again.
	cj, err := c.Client.BatchV1().CronJobs("batch").Create(ctx, &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "report", Labels: map[string]string{"team": "finance"}},
		Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
			Template: withRestart(template(nil, "report", reg+"/fin/report:7"), corev1.RestartPolicyOnFailure)}}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	job, err := c.Client.BatchV1().Jobs("batch").Create(ctx, &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "report-29000000", OwnerReferences: controlledBy("CronJob", cj)},
		Spec:       batchv1.JobSpec{Template: withRestart(template(nil, "report", reg+"/fin/report:7"), corev1.RestartPolicyOnFailure)}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	reportSpec := withRestart(corev1.PodTemplateSpec{Spec: podSpec("report", reg+"/fin/report:7")}, corev1.RestartPolicyOnFailure).Spec
	k.pod("batch", "report-29000000-q", controlledBy("Job", job), job.Spec.Template.Labels, reportSpec, corev1.PodSucceeded,
		map[string]string{"report": reg + "/fin/report@" + dg("report").String()})

	// A bare pod with an ephemeral debug container; a bare pod that
	// finished (left out); a pod still pulling (counted as pending); a pod
	// whose ReplicaSet is gone (reported as the ReplicaSet).
	debug := k.pod("ops", "toolbox", nil, map[string]string{"owner": "sre"}, podSpec("shell", reg+"/ops/toolbox:1"), corev1.PodRunning,
		map[string]string{"shell": reg + "/ops/toolbox@" + dg("toolbox").String()})
	debug.Spec.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debugger", Image: "busybox:1.36"}}}
	if debug, err = c.Client.CoreV1().Pods("ops").UpdateEphemeralContainers(ctx, "toolbox", debug, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	debug.Status.EphemeralContainerStatuses = []corev1.ContainerStatus{{Name: "debugger", Image: "busybox:1.36",
		ImageID: "docker.io/library/busybox@" + dg("busybox").String(), State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
	if _, err = c.Client.CoreV1().Pods("ops").UpdateStatus(ctx, debug, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	k.pod("ops", "done", nil, nil, podSpec("once", reg+"/ops/once:1"), corev1.PodSucceeded,
		map[string]string{"once": reg + "/ops/once@" + dg("once").String()})
	k.pod("ops", "pulling", nil, nil, podSpec("slow", reg+"/ops/slow:1"), corev1.PodPending, nil)
	orphanRS := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "old-77", UID: "0b5e1d9c-0000-4000-8000-000000000001"}}
	k.pod("shop", "old-77-z", controlledBy("ReplicaSet", orphanRS), map[string]string{"app": "old"}, podSpec("old", reg+"/team/old:1"), corev1.PodRunning,
		map[string]string{"old": reg + "/team/old@" + dg("old").String()})

	defer fleet.SetKubePageSize(2)() // nine pods: five pages
	// Count the requests: owners are looked up once each.
	cfg := rest.CopyConfig(c.Config)
	var reqs requestLog
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { reqs.next = rt; return &reqs })
	counted, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	src := fleet.NewKubeSource(counted, "kubetest", nil)
	running, err := src.Running(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// One GET each for the ReplicaSets web-5d4f and old-77 (gone), the
	// Deployment, StatefulSet, DaemonSet, Job and CronJob; five pages of
	// pods.
	if gets, lists := reqs.counts(); gets != 7 || lists != 5 {
		t.Errorf("%d owner GETs and %d pod lists; want 7 and 5:\n%s", gets, lists, strings.Join(reqs.paths, "\n"))
	}
	W := func(kind, ns, name string) fleet.Workload {
		return fleet.Workload{Kind: kind, Namespace: ns, Name: name}
	}
	want := []string{
		line(W("CronJob", "batch", "report"), "report-29000000-q", "report", reg+"/fin/report:7", dg("report"), "team=finance"),
		line(W("DaemonSet", "ops", "agent"), "agent-x1", "agent", pinned, dg("agent"), ""),
		line(W("Pod", "ops", "toolbox"), "toolbox", "debugger", "busybox:1.36", dg("busybox"), "owner=sre"),
		line(W("Pod", "ops", "toolbox"), "toolbox", "shell", reg+"/ops/toolbox:1", dg("toolbox"), "owner=sre"),
		line(W("Deployment", "shop", "web"), "web-5d4f-a", "proxy", reg+"/team/proxy:2", dg("proxy"), "team=shop"),
		line(W("Deployment", "shop", "web"), "web-5d4f-a", "web", reg+"/team/web:1.4", dg("web"), "team=shop"),
		line(W("Deployment", "shop", "web"), "web-5d4f-b", "proxy", reg+"/team/proxy:2", dg("proxy"), "team=shop"),
		line(W("Deployment", "shop", "web"), "web-5d4f-b", "web", reg+"/team/web:1.4", dg("web"), "team=shop"),
		line(W("ReplicaSet", "shop", "old-77"), "old-77-z", "old", reg+"/team/old:1", dg("old"), "app=old"),
		line(W("StatefulSet", "shop", "db"), "db-0", "postgres", "postgres:16", dg("postgres"), "tier=data"),
	}
	slices.Sort(want)
	if got := lines(t, running, "kubetest"); !slices.Equal(got, want) {
		t.Errorf("running:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	counts := src.(*fleet.KubeSource).Counts()
	if counts != (fleet.KubeCounts{Pods: 8, Containers: 10, Pending: 1, NoDigest: 1}) {
		t.Errorf("counts %+v; want 8 pods, 10 containers, 1 pending, 1 with only an image ID", counts)
	}

	// Only the namespaces asked for.
	src = fleet.NewKubeSource(c.Client, "kubetest", []string{"ops", "batch", "ops"})
	if got, want := src.Describe(), "kubernetes context kubetest (namespaces ops, batch)"; got != want {
		t.Errorf("Describe %q, want %q", got, want)
	}
	running, err = src.Running(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var wantNS []string
	for _, l := range want {
		if strings.Contains(l, " ops/") || strings.Contains(l, " batch/") {
			wantNS = append(wantNS, l)
		}
	}
	if got := lines(t, running, "kubetest"); len(wantNS) != 4 || !slices.Equal(got, wantNS) {
		t.Errorf("namespaces ops and batch:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantNS, "\n"))
	}

	// The kubeconfig path: the context name is the environment.
	client, env, err := fleet.KubeClient(c.Kubeconfig, "")
	if err != nil || env != kubetest.Context {
		t.Fatalf("KubeClient: %v, environment %q", err, env)
	}
	running, err = fleet.NewKubeSource(client, env, []string{"batch"}).Running(ctx)
	if err != nil || len(running) != 1 || running[0].Environment != kubetest.Context {
		t.Errorf("through the kubeconfig: %+v, %v", running, err)
	}
}

// requestLog records the paths of the requests a client sends.
type requestLog struct {
	next  http.RoundTripper
	mu    sync.Mutex
	paths []string
}

func (l *requestLog) RoundTrip(r *http.Request) (*http.Response, error) {
	l.mu.Lock()
	l.paths = append(l.paths, r.Method+" "+r.URL.Path)
	l.mu.Unlock()
	return l.next.RoundTrip(r)
}

// counts is how many GETs of one object and how many lists of pods were sent.
func (l *requestLog) counts() (gets, lists int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range l.paths {
		if strings.HasSuffix(p, "/pods") {
			lists++
		} else {
			gets++
		}
	}
	return gets, lists
}

func withRestart(t corev1.PodTemplateSpec, p corev1.RestartPolicy) corev1.PodTemplateSpec {
	t.Spec.RestartPolicy = p
	return t
}

func line(w fleet.Workload, pod, container, image string, d digest.Digest, labels string) string {
	return fmt.Sprintf("%s pod=%s container=%s image=%s digest=%s labels=[%s]", w, pod, container, image, d, labels)
}

// lines renders running sorted, with the labels that are not the pods'
// template labels, checking the environment.
func lines(t *testing.T, running []fleet.Running, env string) []string {
	t.Helper()
	var out []string
	for _, r := range running {
		if r.Environment != env {
			t.Errorf("%s: environment %q, want %q", r.Pod, r.Environment, env)
		}
		var ls []string
		for k, v := range r.Labels {
			ls = append(ls, k+"="+v)
		}
		slices.Sort(ls)
		out = append(out, line(r.Workload, r.Pod, r.Container, r.Image, r.Digest, strings.Join(ls, ",")))
	}
	slices.Sort(out)
	return out
}

// TestKubeClientBadInput: a kubeconfig that is missing, or lacks the
// context asked for, is invalid input naming what was wrong.
func TestKubeClientBadInput(t *testing.T) {
	dir := t.TempDir()
	kc := filepath.Join(dir, "config")
	if err := os.WriteFile(kc, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: prod, context: {cluster: c, user: u}}, {name: broken, context: {cluster: nowhere, user: u}}]
current-context: prod
`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, env, err := fleet.KubeClient(kc, ""); err != nil || env != "prod" {
		t.Errorf("current context: %q, %v", env, err)
	}
	for _, tc := range []struct{ file, context, want string }{
		{filepath.Join(dir, "absent"), "", "absent"},
		{kc, "staging", `context "staging": no such context (it has "broken", "prod")`},
		{kc, "broken", `context "broken"`},
	} {
		_, _, err := fleet.KubeClient(tc.file, tc.context)
		var ke *fleet.KubeConfigError
		if !errors.As(err, &ke) || !ke.InvalidInput() || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("KubeClient(%s, %q): %v; want a *KubeConfigError with %q", filepath.Base(tc.file), tc.context, err, tc.want)
		}
	}
}
