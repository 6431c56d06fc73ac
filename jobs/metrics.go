package jobs

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
)

// metrics are the queue's Prometheus series: depth by state (read from the
// database at scrape time, so every process sees the whole queue), and per
// finished attempt in this process its queue wait, run time and failures.
type metrics struct {
	q        *Queue
	depth    *prometheus.Desc
	wait     *prometheus.HistogramVec
	run      *prometheus.HistogramVec
	finished *prometheus.CounterVec
	failures *prometheus.CounterVec
}

func newMetrics(q *Queue) *metrics {
	buckets := []float64{.01, .05, .1, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}
	return &metrics{
		q:     q,
		depth: prometheus.NewDesc("drydock_jobs_queued", "Jobs in the queue by state.", []string{"state"}, nil),
		wait: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "drydock_jobs_queue_wait_seconds",
			Help: "Time a job waited in the queue before a worker took it.", Buckets: buckets}, []string{"kind"}),
		run: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "drydock_jobs_run_seconds",
			Help: "Time a worker spent on one attempt of a job.", Buckets: buckets}, []string{"kind"}),
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "drydock_jobs_finished_total",
			Help: "Job attempts finished in this process, by outcome (completed, failed, cancelled)."}, []string{"kind", "outcome"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "drydock_jobs_failures_total",
			Help: "Job attempts that failed in this process (each is retried until its attempts run out)."}, []string{"kind"}),
	}
}

func (m *metrics) register(r prometheus.Registerer) error {
	// Every series exists from the start, at zero, so a dashboard and an
	// alert on failures see it before the first job.
	kind := (ScanArgs{}).Kind()
	m.wait.WithLabelValues(kind)
	m.run.WithLabelValues(kind)
	m.failures.WithLabelValues(kind)
	for _, o := range []string{"completed", "failed", "cancelled"} {
		m.finished.WithLabelValues(kind, o)
	}
	for _, c := range []prometheus.Collector{m, m.wait, m.run, m.finished, m.failures} {
		if err := r.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// Describe implements prometheus.Collector for the depth gauge.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) { ch <- m.depth }

// Collect implements prometheus.Collector for the depth gauge.
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := m.q.Counts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(m.depth, err)
		return
	}
	for _, s := range States {
		ch <- prometheus.MustNewConstMetric(m.depth, prometheus.GaugeValue, float64(counts[s]), s)
	}
}

func (m *metrics) observe(e *river.Event) {
	if m == nil || e == nil || e.Job == nil {
		return
	}
	kind := e.Job.Kind
	if e.JobStats != nil {
		m.wait.WithLabelValues(kind).Observe(e.JobStats.QueueWaitDuration.Seconds())
		m.run.WithLabelValues(kind).Observe(e.JobStats.RunDuration.Seconds())
	}
	switch e.Kind {
	case river.EventKindJobCompleted:
		m.finished.WithLabelValues(kind, "completed").Inc()
	case river.EventKindJobFailed:
		m.finished.WithLabelValues(kind, "failed").Inc()
		m.failures.WithLabelValues(kind).Inc()
	case river.EventKindJobCancelled:
		m.finished.WithLabelValues(kind, "cancelled").Inc()
	}
}
