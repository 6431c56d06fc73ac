package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/drydock/drydock/fleet"
)

// auditMetrics are the scheduled audit's Prometheus series: how audits
// went, and what the last one found.
type auditMetrics struct {
	runs     *prometheus.CounterVec
	images   prometheus.Gauge
	findings *prometheus.GaugeVec
	newVulns prometheus.Gauge
	last     prometheus.Gauge
}

func newAuditMetrics(reg prometheus.Registerer) (*auditMetrics, error) {
	m := &auditMetrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "drydock_fleet_audits_total", Help: "Audits of what runs in production, by outcome (ok or failed).",
		}, []string{"outcome"}),
		images: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "drydock_fleet_running_images", Help: "Distinct image digests running, at the last audit.",
		}),
		findings: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "drydock_fleet_findings", Help: "Findings in running images by severity, at the last audit.",
		}, []string{"severity"}),
		newVulns: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "drydock_fleet_new_vulnerabilities", Help: "Vulnerabilities the last audit found new since the one before.",
		}),
		last: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "drydock_fleet_last_audit_timestamp_seconds", Help: "When the last audit that succeeded finished (Unix time).",
		}),
	}
	for _, c := range []prometheus.Collector{m.runs, m.images, m.findings, m.newVulns, m.last} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// observe records one audit: its report, or nil when it failed.
func (m *auditMetrics) observe(rep *fleet.Report) {
	if rep == nil {
		m.runs.WithLabelValues("failed").Inc()
		return
	}
	m.runs.WithLabelValues("ok").Inc()
	m.images.Set(float64(len(rep.Images)))
	for sev, n := range map[string]int{"critical": rep.Counts.Critical, "high": rep.Counts.High, "medium": rep.Counts.Medium,
		"low": rep.Counts.Low, "unknown": rep.Counts.Unknown} {
		m.findings.WithLabelValues(sev).Set(float64(n))
	}
	m.newVulns.Set(float64(len(rep.New)))
	m.last.Set(float64(rep.Finished.Unix()))
}
