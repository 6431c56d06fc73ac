package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// rolloutPoll is how often Apply reads a workload's status while it waits.
const rolloutPoll = 250 * time.Millisecond

// ErrNotRollable is wrapped by the ApplyError of a step whose workload
// Apply does not roll: a bare Pod, a Job, a ReplicaSet or an inventory
// file's workload. Those steps are skipped, not attempted.
var ErrNotRollable = errors.New("fleet: only Deployments, StatefulSets, DaemonSets and CronJobs are rolled")

// Apply carries out plan through the Kubernetes API, one workload at a
// time: it sets the step's container image to TargetRef (a strategic merge
// patch of the pod template, which the workload's controller rolls out)
// and waits up to wait for that rollout to finish before the next step: a
// Deployment's updated replicas all available and no old ones left, a
// StatefulSet's update revision current on all replicas, a DaemonSet's
// updated pods scheduled and available on every node. A CronJob needs only
// the patch (its next Job runs the new image), as do StatefulSets and
// DaemonSets with the OnDelete strategy; a partitioned StatefulSet is done
// when the replicas above its partition are updated.
//
// A step that fails (the workload or container is missing, the patch is
// refused, the Deployment is paused, the rollout does not finish in time
// or exceeds its progress deadline) stops the plan there: Apply returns an error naming the
// workload, and the steps after it are left as they were. Steps whose
// workload kind is not rolled are skipped with ErrNotRollable. Each step's
// Applied and ApplyError say what happened; log gets a line per step.
func Apply(ctx context.Context, c kubernetes.Interface, plan []PlanStep, wait time.Duration, log io.Writer) error {
	if log == nil {
		log = io.Discard
	}
	var skipped []error
	for i := range plan {
		st := &plan[i]
		switch st.Workload.Kind {
		case "Deployment", "StatefulSet", "DaemonSet", "CronJob":
		default:
			err := fmt.Errorf("%s: not applied: %w", st.Workload, ErrNotRollable)
			st.ApplyError = err.Error()
			skipped = append(skipped, err)
			fmt.Fprintf(log, "%s: skipped (%s is not rolled by --apply)\n", st.Workload, st.Workload.Kind)
			continue
		}
		start := time.Now()
		fmt.Fprintf(log, "%s: container %s → %s\n", st.Workload, st.Container, st.TargetRef)
		if err := applyStep(ctx, c, st, wait, log); err != nil {
			st.ApplyError = err.Error()
			return errors.Join(append(skipped, fmt.Errorf("fleet: apply stopped at %s (%d of %d steps done): %w", st.Workload, i, len(plan), err))...)
		}
		st.Applied = true
		fmt.Fprintf(log, "%s: rolled out in %s\n", st.Workload, time.Since(start).Round(100*time.Millisecond))
	}
	return errors.Join(skipped...)
}

// applyStep patches one workload and waits for its rollout.
func applyStep(ctx context.Context, c kubernetes.Interface, st *PlanStep, wait time.Duration, log io.Writer) error {
	if st.TargetRef == "" || st.Container == "" {
		return errors.New("the step names no container or target reference")
	}
	w := st.Workload
	tmpl, err := podTemplate(ctx, c, w)
	if err != nil {
		return err
	}
	field := ""
	for _, ct := range tmpl.Spec.Containers {
		if ct.Name == st.Container {
			field = "containers"
		}
	}
	for _, ct := range tmpl.Spec.InitContainers {
		if ct.Name == st.Container {
			field = "initContainers"
		}
	}
	if field == "" {
		return fmt.Errorf("its pod template has no container %q", st.Container)
	}
	// containers and initContainers merge by name: the patch changes
	// one container's image and leaves the rest of the template alone.
	patch := map[string]any{"spec": map[string]any{field: []map[string]string{{"name": st.Container, "image": st.TargetRef}}}}
	patch = map[string]any{"spec": map[string]any{"template": patch}}
	if w.Kind == "CronJob" {
		patch = map[string]any{"spec": map[string]any{"jobTemplate": patch}}
	}
	body, err := json.Marshal(patch)
	if err != nil {
		return err
	}
	var generation int64
	pt, opts := types.StrategicMergePatchType, metav1.PatchOptions{FieldManager: "drydock-audit"}
	switch w.Kind {
	case "Deployment":
		var d *appsv1.Deployment
		if d, err = c.AppsV1().Deployments(w.Namespace).Patch(ctx, w.Name, pt, body, opts); err == nil {
			generation = d.Generation
		}
	case "StatefulSet":
		var s *appsv1.StatefulSet
		if s, err = c.AppsV1().StatefulSets(w.Namespace).Patch(ctx, w.Name, pt, body, opts); err == nil {
			generation = s.Generation
		}
	case "DaemonSet":
		var d *appsv1.DaemonSet
		if d, err = c.AppsV1().DaemonSets(w.Namespace).Patch(ctx, w.Name, pt, body, opts); err == nil {
			generation = d.Generation
		}
	case "CronJob":
		_, err = c.BatchV1().CronJobs(w.Namespace).Patch(ctx, w.Name, pt, body, opts)
	}
	if err != nil {
		return fmt.Errorf("patching the image: %w", err)
	}
	if w.Kind == "CronJob" {
		return nil
	}
	// The deadline is checked between reads rather than put on ctx, so a
	// read near the deadline is not cut off half way (client-go's rate
	// limiter refuses to wait past a context's deadline).
	deadline := time.Now().Add(wait)
	tick := time.NewTicker(rolloutPoll)
	defer tick.Stop()
	last := ""
	for {
		done, progress, err := rolledOut(ctx, c, w, generation)
		switch {
		case err != nil:
			return err
		case done:
			return nil
		case progress != last:
			fmt.Fprintf(log, "%s: %s\n", w, progress)
			last = progress
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the rollout did not finish within %s (%s)", wait, progress)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// podTemplate reads the workload's pod template.
func podTemplate(ctx context.Context, c kubernetes.Interface, w Workload) (*corev1.PodTemplateSpec, error) {
	get := metav1.GetOptions{}
	switch w.Kind {
	case "Deployment":
		d, err := c.AppsV1().Deployments(w.Namespace).Get(ctx, w.Name, get)
		if err != nil {
			return nil, err
		}
		return &d.Spec.Template, nil
	case "StatefulSet":
		s, err := c.AppsV1().StatefulSets(w.Namespace).Get(ctx, w.Name, get)
		if err != nil {
			return nil, err
		}
		return &s.Spec.Template, nil
	case "DaemonSet":
		d, err := c.AppsV1().DaemonSets(w.Namespace).Get(ctx, w.Name, get)
		if err != nil {
			return nil, err
		}
		return &d.Spec.Template, nil
	default: // CronJob
		j, err := c.BatchV1().CronJobs(w.Namespace).Get(ctx, w.Name, get)
		if err != nil {
			return nil, err
		}
		return &j.Spec.JobTemplate.Spec.Template, nil
	}
}

// rolledOut reads the workload's status: whether the rollout of generation
// has finished, and if not how far it is. A Deployment past its progress
// deadline is an error: its controller has given up.
func rolledOut(ctx context.Context, c kubernetes.Interface, w Workload, generation int64) (bool, string, error) {
	get := metav1.GetOptions{}
	waiting := func(observed int64) (bool, string, error) {
		return false, fmt.Sprintf("waiting for the controller to see generation %d (it has seen %d)", generation, observed), nil
	}
	switch w.Kind {
	case "Deployment":
		d, err := c.AppsV1().Deployments(w.Namespace).Get(ctx, w.Name, get)
		if err != nil {
			return false, "", err
		}
		if d.Spec.Paused {
			return false, "", errors.New("the Deployment is paused: its rollout would not start (kubectl rollout resume)")
		}
		s := d.Status
		if s.ObservedGeneration < generation {
			return waiting(s.ObservedGeneration)
		}
		for _, cond := range s.Conditions {
			if cond.Type == appsv1.DeploymentProgressing && cond.Reason == "ProgressDeadlineExceeded" {
				return false, "", fmt.Errorf("the rollout exceeded its progress deadline: %s", cond.Message)
			}
		}
		want := replicas(d.Spec.Replicas)
		switch {
		case s.UpdatedReplicas < want:
			return false, fmt.Sprintf("%d of %d replicas updated", s.UpdatedReplicas, want), nil
		case s.Replicas > s.UpdatedReplicas:
			return false, fmt.Sprintf("%d old replicas pending termination", s.Replicas-s.UpdatedReplicas), nil
		case s.AvailableReplicas < s.UpdatedReplicas:
			return false, fmt.Sprintf("%d of %d updated replicas available", s.AvailableReplicas, s.UpdatedReplicas), nil
		}
		return true, "", nil
	case "StatefulSet":
		ss, err := c.AppsV1().StatefulSets(w.Namespace).Get(ctx, w.Name, get)
		if err != nil {
			return false, "", err
		}
		if ss.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
			return true, "", nil
		}
		s := ss.Status
		if s.ObservedGeneration < generation {
			return waiting(s.ObservedGeneration)
		}
		want := replicas(ss.Spec.Replicas)
		if ru := ss.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil && *ru.Partition > 0 {
			// A partitioned rollout updates only the ordinals at and
			// above the partition; the revision never becomes current.
			if n := want - *ru.Partition; s.UpdatedReplicas < n {
				return false, fmt.Sprintf("%d of %d replicas above the partition updated", s.UpdatedReplicas, n), nil
			}
			return true, "", nil
		}
		switch {
		case s.UpdatedReplicas < want:
			return false, fmt.Sprintf("%d of %d replicas updated", s.UpdatedReplicas, want), nil
		case s.UpdateRevision != s.CurrentRevision:
			return false, fmt.Sprintf("revision %s not yet current (current %s)", s.UpdateRevision, s.CurrentRevision), nil
		}
		return true, "", nil
	default: // DaemonSet
		ds, err := c.AppsV1().DaemonSets(w.Namespace).Get(ctx, w.Name, get)
		if err != nil {
			return false, "", err
		}
		if ds.Spec.UpdateStrategy.Type == appsv1.OnDeleteDaemonSetStrategyType {
			return true, "", nil
		}
		s := ds.Status
		if s.ObservedGeneration < generation {
			return waiting(s.ObservedGeneration)
		}
		switch {
		case s.UpdatedNumberScheduled < s.DesiredNumberScheduled:
			return false, fmt.Sprintf("%d of %d nodes updated", s.UpdatedNumberScheduled, s.DesiredNumberScheduled), nil
		case s.NumberAvailable < s.DesiredNumberScheduled:
			return false, fmt.Sprintf("%d of %d nodes available", s.NumberAvailable, s.DesiredNumberScheduled), nil
		}
		return true, "", nil
	}
}

func replicas(n *int32) int32 {
	if n == nil {
		return 1
	}
	return *n
}
