package admission

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/drydock/drydock/auditlog"
)

// maxReview bounds a review's body; the API server's own request limit is
// 3 MiB, and the review wraps the object.
const maxReview = 7 << 20

// Paths of the two endpoints.
const (
	ValidatePath = "/admission/validate"
	MutatePath   = "/admission/mutate"
)

// Handler serves ValidatePath and MutatePath. Each decision is written to
// the audit log after the answer is sent, so the log's write is not part
// of the API server's wait.
func (w *Webhook) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+ValidatePath, func(rw http.ResponseWriter, r *http.Request) { w.serve(rw, r, w.Validate) })
	mux.HandleFunc("POST "+MutatePath, func(rw http.ResponseWriter, r *http.Request) { w.serve(rw, r, w.Mutate) })
	return mux
}

type reviewFunc func(context.Context, *admissionv1.AdmissionRequest) (*admissionv1.AdmissionResponse, []auditlog.Event)

func (w *Webhook) serve(rw http.ResponseWriter, r *http.Request, review reviewFunc) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		http.Error(rw, "drydock admission: want Content-Type application/json (an AdmissionReview v1)", http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxReview+1))
	if err != nil {
		http.Error(rw, "drydock admission: reading the review: "+err.Error(), http.StatusBadRequest)
		return
	}
	if len(body) > maxReview {
		http.Error(rw, "drydock admission: review larger than 7 MiB", http.StatusRequestEntityTooLarge)
		return
	}
	var in admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &in); err != nil {
		http.Error(rw, "drydock admission: not an AdmissionReview: "+err.Error(), http.StatusBadRequest)
		return
	}
	if in.APIVersion != "admission.k8s.io/v1" || in.Kind != "AdmissionReview" || in.Request == nil {
		http.Error(rw, "drydock admission: want an admission.k8s.io/v1 AdmissionReview with a request", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), w.cfg.Timeout)
	defer cancel()
	resp, events := review(ctx, in.Request)
	resp.UID = in.Request.UID
	out := admissionv1.AdmissionReview{TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"}, Response: resp}
	b, err := json.Marshal(out)
	if err != nil {
		http.Error(rw, "drydock admission: "+err.Error(), http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "application/json")
	rw.Write(b)
	if f, ok := rw.(http.Flusher); ok {
		f.Flush()
	}
	for _, e := range events {
		if err := w.audit.Record(context.WithoutCancel(r.Context()), e); err != nil {
			slog.Warn("drydock admission: audit log", "err", err)
		}
	}
}
