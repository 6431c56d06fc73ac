package admission

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/drydock/drydock/auditlog"
)

// Validate answers a validating review: refused (or, in audit mode,
// admitted with warnings) when any container's image fails a check. The
// returned events are the decision for the audit log.
func (w *Webhook) Validate(ctx context.Context, req *admissionv1.AdmissionRequest) (*admissionv1.AdmissionResponse, []auditlog.Event) {
	cs, judgedKind, err := w.reviewed(req)
	if err != nil {
		return deny(http.StatusBadRequest, "drydock: "+err.Error()), []auditlog.Event{w.event(req, auditlog.OutcomeDenied, err.Error())}
	}
	if !judgedKind {
		return &admissionv1.AdmissionResponse{Allowed: true}, nil
	}
	var refused []string
	failed := false
	for _, j := range w.judgeAll(ctx, cs) {
		if len(j.reasons) == 0 {
			continue
		}
		failed = failed || j.failed
		refused = append(refused, fmt.Sprintf("%s %q image %q: %s", j.Kind, j.Name, j.Image, strings.Join(j.reasons, "; ")))
	}
	what := fmt.Sprintf("%s %s", req.Kind.Kind, objectName(req))
	if len(refused) == 0 {
		return &admissionv1.AdmissionResponse{Allowed: true}, []auditlog.Event{w.event(req, auditlog.OutcomeAllowed, fmt.Sprintf("%d images pass", len(cs)))}
	}
	if w.modeOf(req.Namespace) == Audit {
		warnings := make([]string, len(refused))
		for i, r := range refused {
			warnings[i] = "drydock (audit mode) would refuse " + r
		}
		return &admissionv1.AdmissionResponse{Allowed: true, Warnings: warnings},
			[]auditlog.Event{w.event(req, auditlog.OutcomeAllowed, "audit mode; would refuse: "+strings.Join(refused, " | "))}
	}
	outcome, code := auditlog.OutcomeDenied, int32(http.StatusForbidden)
	if failed {
		outcome, code = auditlog.OutcomeFailed, http.StatusInternalServerError
	}
	msg := fmt.Sprintf("drydock refuses %s: %s", what, strings.Join(refused, " | "))
	return deny(code, msg), []auditlog.Event{w.event(req, outcome, strings.Join(refused, " | "))}
}

// Mutate answers a mutating review: each image named by tag in drydock's
// registry is rewritten to the digest the tag names now. Images it cannot
// resolve are left for the validating webhook to refuse.
func (w *Webhook) Mutate(ctx context.Context, req *admissionv1.AdmissionRequest) (*admissionv1.AdmissionResponse, []auditlog.Event) {
	cs, judgedKind, err := w.reviewed(req)
	if err != nil || !judgedKind {
		// A bad object is the validating webhook's to refuse.
		return &admissionv1.AdmissionResponse{Allowed: true}, nil
	}
	type op struct {
		Op    string `json:"op"`
		Path  string `json:"path"`
		Value string `json:"value"`
	}
	var ops []op
	var pins []string
	resolved := map[string]string{}
	for _, c := range cs {
		p, ok := resolved[c.Image]
		if !ok {
			p = w.pin(ctx, c.Image)
			resolved[c.Image] = p
		}
		if p == "" {
			continue
		}
		ops = append(ops, op{Op: "replace", Path: c.Path, Value: p})
		pins = append(pins, fmt.Sprintf("%s %q: %s → %s", c.Kind, c.Name, c.Image, p))
	}
	if len(ops) == 0 {
		return &admissionv1.AdmissionResponse{Allowed: true}, nil
	}
	patch, err := json.Marshal(ops)
	if err != nil {
		return deny(http.StatusInternalServerError, "drydock: "+err.Error()), nil
	}
	pt := admissionv1.PatchTypeJSONPatch
	return &admissionv1.AdmissionResponse{Allowed: true, Patch: patch, PatchType: &pt},
		[]auditlog.Event{w.eventAction(req, "admission.pin", auditlog.OutcomeAllowed, strings.Join(pins, "; "))}
}

// pin returns image by digest when it names a tag in drydock's registry
// that resolves, "" otherwise.
func (w *Webhook) pin(ctx context.Context, image string) string {
	ref, err := parseImage(image)
	if err != nil || ref.Digest != "" || !slices.Contains(w.cfg.Registries, ref.Registry) {
		return ""
	}
	d, err := w.resolve.Resolve(ctx, ref.Repo, ref.Tag)
	if err != nil {
		return ""
	}
	return ref.pinned(d)
}

// reviewed lists the containers of the object under review; judged is
// false when the review is about something the webhook does not judge
// (another kind, a deletion, a status update).
func (w *Webhook) reviewed(req *admissionv1.AdmissionRequest) ([]container, bool, error) {
	switch req.Operation {
	case admissionv1.Create, admissionv1.Update:
	default:
		return nil, false, nil
	}
	switch req.SubResource {
	case "":
	case "ephemeralcontainers":
		if req.Kind.Kind != "Pod" {
			return nil, false, nil
		}
	default:
		return nil, false, nil
	}
	if len(req.Object.Raw) == 0 {
		return nil, false, fmt.Errorf("the review of %s carries no object", req.Kind.Kind)
	}
	return containersOf(req.Kind, req.Object.Raw)
}

func (w *Webhook) event(req *admissionv1.AdmissionRequest, outcome, reason string) auditlog.Event {
	return w.eventAction(req, "admission.review", outcome, reason)
}

func (w *Webhook) eventAction(req *admissionv1.AdmissionRequest, action, outcome, reason string) auditlog.Event {
	return auditlog.Event{Time: w.now().UTC(), Actor: req.UserInfo.Username, Action: action,
		Target: fmt.Sprintf("%s %s", req.Kind.Kind, objectName(req)), Outcome: outcome, Reason: reason}
}

// objectName is namespace/name, or the generateName prefix when the
// object has no name yet.
func objectName(req *admissionv1.AdmissionRequest) string {
	name := req.Name
	if name == "" {
		var m struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
		}
		if json.Unmarshal(req.Object.Raw, &m) == nil {
			name = m.Metadata.Name
			if name == "" && m.Metadata.GenerateName != "" {
				name = m.Metadata.GenerateName + "*"
			}
		}
	}
	if req.Namespace == "" {
		return name
	}
	return req.Namespace + "/" + name
}

func deny(code int32, msg string) *admissionv1.AdmissionResponse {
	return &admissionv1.AdmissionResponse{Allowed: false, Result: &metav1.Status{
		Status: metav1.StatusFailure, Code: code, Reason: metav1.StatusReasonForbidden, Message: msg}}
}
