package registry

import (
	"io"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the registry's Prometheus series.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	bytesIn  prometheus.Counter
	bytesOut prometheus.Counter
	pushes   prometheus.Counter
	pulls    prometheus.Counter
	denials  *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "drydock_registry_requests_total", Help: "Registry requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "drydock_registry_request_duration_seconds", Help: "Registry request latency by method and route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 60},
		}, []string{"method", "route"}),
		bytesIn: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "drydock_registry_received_bytes_total", Help: "Request body bytes received (blob and manifest uploads).",
		}),
		bytesOut: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "drydock_registry_sent_bytes_total", Help: "Response body bytes sent.",
		}),
		pushes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "drydock_registry_manifest_pushes_total", Help: "Manifests pushed.",
		}),
		pulls: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "drydock_registry_manifest_pulls_total", Help: "Manifests pulled (GET).",
		}),
		denials: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "drydock_registry_denials_total", Help: "Requests refused by the authorizer, by answer (401 or 403).",
		}, []string{"status"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.requests, m.latency, m.bytesIn, m.bytesOut, m.pushes, m.pulls, m.denials} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// recorder remembers the status and body size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom keeps sendfile and friends working for blob downloads.
func (w *recorder) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := io.Copy(w.ResponseWriter, r)
	w.bytes += n
	return n, err
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *recorder) statusText() string {
	if w.status == 0 {
		return "200"
	}
	return strconv.Itoa(w.status)
}

// countingBody counts request body bytes as handlers read them.
type countingBody struct {
	io.ReadCloser
	n int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	return n, err
}
