package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/crane"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/drydock/drydock/fleet"
	"github.com/drydock/drydock/internal/kubetest"
)

// TestAuditKubernetes runs drydock audit --kubeconfig against a real
// kube-apiserver. No kubelet or controller manager runs here, so the test
// creates the Deployment's ReplicaSet and pod with the ownerReferences the
// controllers would set, and writes the pod's status (its container's
// imageID) through the status subresource as a kubelet would. The audit
// finds the digest the pod runs and its Deployment, and leaves out the
// namespace not asked for.
func TestAuditKubernetes(t *testing.T) {
	c := kubetest.Start(t)
	w := newAuditWorld(t)
	ctx := context.Background()
	ref := w.host + "/team/app:1.2"
	dg, err := crane.Digest(ref, crane.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"shop", "ops"} {
		if _, err := c.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	one, yes := int32(1), true
	labels := map[string]string{"app": "web"}
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: ref}}}}
	d, err := c.Client.AppsV1().Deployments("shop").Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := c.Client.AppsV1().ReplicaSets("shop").Create(ctx, &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-5d4f", Labels: labels,
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID, Controller: &yes}}},
		Spec: appsv1.ReplicaSetSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	runPod := func(ns, name, image, imageID string, owners []metav1.OwnerReference) {
		t.Helper()
		p, err := c.Client.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, OwnerReferences: owners},
			Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "app", Image: image}}}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.Status.Phase = corev1.PodRunning
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Image: image, ImageID: imageID, Ready: true,
			ContainerID: "containerd://app", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
		if _, err := c.Client.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	runPod("shop", "web-5d4f-x7k2p", ref, w.host+"/team/app@"+dg,
		[]metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: &yes}})
	// A pod in ops, which --namespace shop leaves out, runs an image nobody
	// pushed: were it audited, it would be a second image, not cataloged.
	runPod("ops", "debug", "registry.invalid/ops/tool:1", "registry.invalid/ops/tool@sha256:"+strings.Repeat("0", 64), nil)

	data := filepath.Join(t.TempDir(), "audit-data")
	args := []string{"audit", "--kubeconfig", c.Kubeconfig, "--namespace", "shop", "--registry", w.host, "--db", w.db,
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
