package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/drydock/drydock/fleet"
	"github.com/drydock/drydock/internal/kubetest"
)

// kubeWorld creates workloads in a real kube-apiserver. No kubelet or
// controller manager runs here, so it creates a Deployment's ReplicaSet
// and pod with the ownerReferences the controllers would set, and writes
// the pod's status (its container's imageID) through the status
// subresource as a kubelet would.
type kubeWorld struct {
	t *testing.T
	c *kubetest.Cluster
}

func (k kubeWorld) namespace(ns string) {
	k.t.Helper()
	if _, err := k.c.Client.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		k.t.Fatal(err)
	}
}

// deployment creates Deployment ns/name with one container "app" of
// image, its ReplicaSet, and a running pod whose status says it runs
// imageID.
func (k kubeWorld) deployment(ns, name, image, imageID string) {
	k.t.Helper()
	ctx := context.Background()
	one, yes := int32(1), true
	labels := map[string]string{"app": name}
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}}}
	d, err := k.c.Client.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl}}, metav1.CreateOptions{})
	if err != nil {
		k.t.Fatal(err)
	}
	rs, err := k.c.Client.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: name + "-5d4f", Labels: labels,
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID, Controller: &yes}}},
		Spec: appsv1.ReplicaSetSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl}}, metav1.CreateOptions{})
	if err != nil {
		k.t.Fatal(err)
	}
	k.pod(ns, name+"-5d4f-x7k2p", image, imageID, []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: &yes}})
}

// pod creates a running pod with one container "app" whose status says it
// runs imageID.
func (k kubeWorld) pod(ns, name, image, imageID string, owners []metav1.OwnerReference) {
	k.t.Helper()
	ctx := context.Background()
	p, err := k.c.Client.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, OwnerReferences: owners},
		Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "app", Image: image}}}}, metav1.CreateOptions{})
	if err != nil {
		k.t.Fatal(err)
	}
	p.Status.Phase = corev1.PodRunning
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Image: image, ImageID: imageID, Ready: true,
		ContainerID: "containerd://app", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
	if _, err := k.c.Client.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		k.t.Fatal(err)
	}
}

// TestAuditKubernetes: drydock audit --kubeconfig against a real
// kube-apiserver finds the digest the Deployment's pod runs, and leaves
// out the namespace not asked for.
func TestAuditKubernetes(t *testing.T) {
	k := kubeWorld{t: t, c: kubetest.Start(t)}
	w := newAuditWorld(t)
	ref := w.host + "/team/app:1.2"
	dg, err := crane.Digest(ref, crane.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	k.namespace("shop")
	k.namespace("ops")
	k.deployment("shop", "web", ref, w.host+"/team/app@"+dg)
	// A pod in ops, which --namespace shop leaves out, runs an image nobody
	// pushed: were it audited, it would be a second image, not cataloged.
	k.pod("ops", "debug", "registry.invalid/ops/tool:1", "registry.invalid/ops/tool@sha256:"+strings.Repeat("0", 64), nil)

	data := filepath.Join(t.TempDir(), "audit-data")
	args := []string{"audit", "--kubeconfig", k.c.Kubeconfig, "--namespace", "shop", "--registry", w.host, "--db", w.db,
		"--data", data, "--no-cache", "--quiet", "--format", "json"}
	out, errOut, code := runDrydock(t, args...)
	if code != exitPass {
		t.Fatalf("drydock audit --kubeconfig: exit %d\n%s", code, errOut)
	}
	rep := decodeReport(t, out)
	web := fleet.Workload{Kind: "Deployment", Namespace: "shop", Name: "web"}
	if len(rep.Running) != 1 || rep.Running[0].Digest.String() != dg || rep.Running[0].Workload != web ||
		rep.Running[0].Environment != kubetest.Context || rep.Running[0].Pod != "web-5d4f-x7k2p" || rep.Running[0].Container != "app" {
		t.Fatalf("running = %+v; want container app of pod web-5d4f-x7k2p of %s in context %s running %s", rep.Running, web, kubetest.Context, dg)
	}
	if len(rep.Images) != 1 || rep.Images[0].Packages == 0 || rep.Images[0].Error != "" {
		t.Errorf("images = %+v; want the one image cataloged", rep.Images)
	}
	if _, errOut, code := runDrydock(t, append(args, "--context", "staging")...); code != exitUsage || !strings.Contains(errOut, "staging") {
		t.Errorf("--context staging (not in the kubeconfig): exit %d, want %d naming it:\n%s", code, exitUsage, errOut)
	}
}

// TestAuditApply: on the registry's data, where team/app:1.3 is a newer
// passing build without the curl CVE of the running 1.2, drydock audit
// --apply rolls Deployment shop/web to 1.3's digest through the API and
// waits for its rollout, which a goroutine finishes in the deployment
// controller's place; the report says the step was applied.
func TestAuditApply(t *testing.T) {
	k := kubeWorld{t: t, c: kubetest.Start(t)}
	w := newAuditWorld(t)
	w.addCurlRecord(t)
	oldDigest := w.pushScanned(t, "1.2", debianImage(t, "7.88.1-10+deb12u4"))
	newDigest := w.pushScanned(t, "1.3", debianImage(t, "7.88.1-10+deb12u5"))
	k.namespace("shop")
	k.deployment("shop", "web", w.host+"/team/app:1.2", w.host+"/team/app@"+oldDigest)

	// The deployment controller's part: a Deployment whose generation moved
	// on (the patch) is rolled out at once.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		deps := k.c.Client.AppsV1().Deployments("shop")
		for ctx.Err() == nil {
			if d, err := deps.Get(ctx, "web", metav1.GetOptions{}); err == nil && d.Status.ObservedGeneration < d.Generation {
				d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: 1, UpdatedReplicas: 1, ReadyReplicas: 1, AvailableReplicas: 1}
				deps.UpdateStatus(ctx, d, metav1.UpdateOptions{})
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	defer func() { cancel(); <-done }()

	out, errOut, code := runDrydock(t, "audit", "--kubeconfig", k.c.Kubeconfig, "--registry", w.host, "--db", w.db, "--data", w.data,
		"--no-cache", "--format", "json", "--apply", "--wait", "30s")
	if code != exitPass {
		t.Fatalf("drydock audit --apply: exit %d\n%s", code, errOut)
	}
	rep := decodeReport(t, out)
	target := w.host + "/team/app@" + newDigest
	if len(rep.Plan) != 1 || rep.Plan[0].TargetRef != target || !rep.Plan[0].Applied || rep.Plan[0].ApplyError != "" {
		t.Fatalf("plan = %+v; want one applied step to %s\nstderr:\n%s", rep.Plan, target, errOut)
	}
	d, err := k.c.Client.AppsV1().Deployments("shop").Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Spec.Template.Spec.Containers[0].Image; got != target {
		t.Errorf("Deployment shop/web runs %s after --apply, want %s", got, target)
	}
	if !strings.Contains(errOut, "rolled out") {
		t.Errorf("stderr does not say the rollout finished:\n%s", errOut)
	}
}
