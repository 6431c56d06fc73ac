// Package server assembles one `drydock serve` process: the store, the blob
// store, auth (/token), the registry (/v2/) with its gate and listeners, the
// REST API (/api/v1/), health (/healthz, /readyz) and Prometheus metrics
// (/metrics). OpenData is the one place the store, blob store, audit log and
// auth are built, for serve, gc and the management verbs alike. Tests start
// a server in-process with New and Handler; the CLI adds flags and signals.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/drydock/drydock/api"
	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/fleet"
	"github.com/drydock/drydock/jobs"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/trust"
	"github.com/drydock/drydock/verdict"
	"github.com/drydock/drydock/webhook"
)

// Server is an assembled drydock server.
type Server struct {
	cfg     Config
	log     *slog.Logger
	data    *Data
	st      *store.Store
	blobs   *blobstore.Store
	reg     *registry.Registry
	auth    *auth.Service // nil when anonymous
	audit   *auditlog.Log
	hooks   *webhook.Sender
	metrics *prometheus.Registry
	jobs    *jobs.Queue
	vulndb  *liveDB // nil when this process runs no scans
	scan    *scan.Scanner
	// auditor audits what runs (nil without a source); auditKick asks
	// the audit loop for one now.
	auditor      *fleet.Auditor
	auditKick    chan struct{}
	auditMetrics *auditMetrics
	// settings are namespaces' enforcement settings; gate is the
	// quarantine and rematch matches stored SBOMs after a database update.
	settings *enforce.Settings
	gate     *enforce.Gate
	rematch  *enforce.Rematcher
	// trust is the protected namespaces' gate around gate; admission
	// checks signatures and provenance through it too, sharing its cache
	// of verified signatures.
	trust *trust.Gate
	// dbUpdated tells the rematch watch that a scheduled update replaced
	// the vulnerability database.
	dbUpdated chan struct{}
	handler   http.Handler
}

// New opens the store and blob store named by cfg (creating them when
// missing) and builds the handlers. The first administrator is created last,
// once everything else stood up, so a start that fails leaves no account
// whose password nobody saw. Messages meant for the operator (a generated
// admin password, warnings) go to out. `drydock serve` calls Listen before
// New, so that a port in use or a bad TLS file stops it before any of this.
func New(ctx context.Context, cfg Config, logger *slog.Logger, out io.Writer) (*Server, error) {
	if err := cfg.Defaults(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.Default()
	}
	data, err := OpenData(ctx, cfg, Serving, logger)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: logger, data: data, st: data.Store, blobs: data.Blobs, audit: data.Audit, auth: data.Auth,
		metrics: prometheus.NewRegistry(), dbUpdated: make(chan struct{}, 1)}
	if err := s.build(ctx, out); err != nil {
		data.Close()
		return nil, err
	}
	if s.auth != nil {
		if _, err := auth.EnsureAdmin(ctx, s.auth, s.cfg.AdminPassword, out); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func (s *Server) build(ctx context.Context, out io.Writer) error {
	var err error
	s.metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if s.hooks, err = webhook.New(s.st, webhook.WithLogger(s.log), webhook.WithAuditor(s.audit)); err != nil {
		return err
	}
	// Namespaces' enforcement settings: the policy each judges by and
	// whether it quarantines what fails.
	if s.settings, err = enforce.NewSettings(ctx, s.st, enforce.WithAudit(s.audit)); err != nil {
		return err
	}
	opts := []registry.Option{
		registry.WithLogger(s.log), registry.WithAuditor(s.audit),
		registry.WithReadOnly(s.cfg.ReadOnly), registry.WithRegisterer(s.metrics),
	}
	if s.cfg.SparseManifests {
		opts = append(opts, registry.WithSparseManifests())
	}
	if err := s.buildJobs(ctx); err != nil {
		return err
	}
	if err := s.buildEnforcement(); err != nil {
		return err
	}
	if err := s.buildFleet(ctx); err != nil {
		return err
	}
	opts = append(opts, s.registryHooks()...)
	mux := http.NewServeMux()
	if s.auth == nil {
		fmt.Fprintln(out, "drydock: WARNING: authentication is OFF (anonymous mode): anyone who can reach this port may push and delete")
		opts = append(opts, registry.WithAnonymousAccess())
	} else {
		opts = append(opts, registry.WithAuthorizer(s.auth))
		mux.Handle("/token", s.auth.TokenHandler())
	}
	if s.reg, err = registry.New(s.st, s.blobs, opts...); err != nil {
		return err
	}
	mux.Handle("/v2/", s.reg)
	mux.Handle("/v2", s.reg)
	if s.auth != nil {
		// Accounts, namespaces and the audit log, plus the registry's
		// repositories and artifacts; OpenAPI at /api/v1/openapi.json.
		h, err := api.New(s.auth, api.WithAuditLog(s.audit), api.WithRegistry(s.st, s.reg.Service()),
			api.WithRules(s.reg.Service()), api.WithWebhooks(s.hooks), api.WithLogger(s.log),
			api.WithPolicies(s.settings), api.WithVerdicts(verdict.New(s.st)), api.WithJobs(s.jobs),
			api.WithTrust(trust.NewSettings(s.st, s.audit)))
		if err != nil {
			return err
		}
		mux.Handle("/api/v1/", h)
	}
	if s.cfg.Admission {
		// Kubernetes admission webhooks (AdmissionReview v1) on the same
		// TLS listener.
		wh, err := s.buildAdmission()
		if err != nil {
			return err
		}
		mux.Handle("/admission/", wh.Handler())
	}
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("/readyz", s.ready)
	mux.Handle("/metrics", promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{}))
	s.handler = bodyDeadlines(mux, smallBodyTime)
	return nil
}

// registryHooks is the one place the registry's Gate and event listeners
// are chosen: what enforcement refuses, and who hears of pushes, pulls and
// deletes besides the audit trail. A namespace that does not enforce costs
// the gate one map lookup.
func (s *Server) registryHooks() []registry.Option {
	return []registry.Option{
		// Protected namespaces (trusted CI verdicts and signatures) are
		// checked first, around the next gate.
		registry.WithGate(s.trust), // then quarantine
		registry.WithListener(s.hooks.Listener()),
		registry.WithListener(s.jobs), // scan on push
	}
}

// ready answers 200 when the store answers within two seconds.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.st.Ping(ctx); err != nil {
		http.Error(w, "store unreachable: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ok\n")
}

// Handler serves every endpoint.
func (s *Server) Handler() http.Handler { return s.handler }

// Store is the server's store (for tools such as gc and tests).
func (s *Server) Store() *store.Store { return s.st }

// Blobs is the server's blob store (for tests that read what was pushed).
func (s *Server) Blobs() *blobstore.Store { return s.blobs }

// Webhooks sends the namespaces' webhooks; other parts of the server
// (scan results, verdict changes) publish through its Publish.
func (s *Server) Webhooks() *webhook.Sender { return s.hooks }

// Auth is the auth service, or nil in anonymous mode.
func (s *Server) Auth() *auth.Service { return s.auth }

// Listen checks cfg, reads its TLS files and binds its address: the start-up
// steps that fail on the operator's input or environment (a missing or bad
// TLS file, a port in use), so that they fail before New touches any data.
// The listener speaks TLS when cfg has a certificate. Errors are
// *ConfigError.
func Listen(cfg Config) (net.Listener, error) {
	if err := cfg.Defaults(); err != nil {
		return nil, err
	}
	var tlsConfig *tls.Config
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, &ConfigError{Where: "TLS certificate " + cfg.TLSCert + " and key " + cfg.TLSKey, Err: err}
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, &ConfigError{Where: "listen on " + cfg.Addr, Err: err}
	}
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
	}
	return ln, nil
}

// Serve listens on cfg.Addr (see Listen) and serves until ctx ends; see
// ServeListener.
func (s *Server) Serve(ctx context.Context, out io.Writer, ready func(addr string)) error {
	ln, err := Listen(s.cfg)
	if err != nil {
		return err
	}
	return s.ServeListener(ctx, ln, out, ready)
}

// ServeListener serves on ln until ctx ends, then shuts down gracefully:
// in-flight requests get 30 seconds to finish. ready, if not nil, is called
// with the bound address once serving.
func (s *Server) ServeListener(ctx context.Context, ln net.Listener, out io.Writer, ready func(addr string)) error {
	tls := s.cfg.TLSCert != ""
	if !tls && !s.cfg.Loopback() {
		fmt.Fprintf(out, "drydock: WARNING: serving PLAIN HTTP on %s, which is not loopback: passwords and tokens cross the network unencrypted; use --tls-cert/--tls-key or a TLS proxy\n", ln.Addr())
	}
	hs := &http.Server{Handler: s.handler, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	// Old audit events go on the log's retention schedule while serving,
	// and uploads abandoned for a day are cancelled.
	go s.audit.PruneEvery(ctx, time.Hour)
	go s.expireUploads(ctx, time.Hour, 24*time.Hour)
	go s.hooks.Run(ctx)
	go s.watchRematch(ctx)
	if s.cfg.RetentionEvery > 0 && !s.cfg.ReadOnly {
		go s.applyRetention(ctx, s.cfg.RetentionEvery)
	}
	if s.cfg.DBUpdateEvery > 0 {
		go s.updateDBEvery(ctx, s.cfg.DBUpdateEvery)
	}
	if err := s.jobs.Start(ctx); err != nil {
		hs.Close()
		return err
	}
	defer s.stopJobs()
	if s.auditor != nil {
		actx, stop := context.WithCancel(ctx)
		audited := make(chan struct{})
		go func() { defer close(audited); s.auditLoop(actx) }()
		defer func() { stop(); <-audited }() // an audit cut short ends before the store closes
	}
	scheme := map[bool]string{true: "https", false: "http"}[tls]
	s.log.Info("drydock: serving", "addr", scheme+"://"+ln.Addr().String(), "data", s.cfg.DataDir, "database", dsnKind(s.cfg.Database))
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func dsnKind(dsn string) string {
	if strings.HasPrefix(dsn, "postgres") {
		return "postgres"
	}
	return dsn
}

func (s *Server) expireUploads(ctx context.Context, every, maxAge time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.reg.ExpireUploads(ctx, maxAge); err != nil {
			s.log.Warn("drydock: expiring abandoned uploads", "err", err)
		} else if n > 0 {
			s.log.Info("drydock: expired abandoned uploads", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// applyRetention deletes what the retention rules let go, every interval;
// each deleted tag is audited as the "retention" job's.
func (s *Server) applyRetention(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	job := registry.Caller{Principal: auth.Principal{Name: "retention", Kind: "local"}}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rep, err := s.reg.Service().ApplyRetention(ctx, job, registry.RetentionOptions{Delete: true})
		if err != nil {
			s.log.Warn("drydock: applying retention rules", "err", err)
		} else if rep.Removed > 0 {
			s.log.Info("drydock: retention deleted tags", "tags", rep.Removed, "repositories", rep.Repositories)
		}
	}
}

// stopJobs gives running scans a minute to finish; those cut short are
// taken up again by the next worker.
func (s *Server) stopJobs() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.jobs.Stop(ctx); err != nil {
		s.log.Warn("drydock: stopping scan workers", "err", err)
	}
}

// Close stops the scan queue, flushes the audit queue, closes the store and
// releases the data directory's lock.
func (s *Server) Close() error {
	s.reg.Close()
	s.jobs.Close()
	if s.vulndb != nil {
		s.vulndb.Close()
	}
	if s.audit != nil {
		// The counts of anonymous denials not yet written.
		if err := s.audit.Flush(context.Background()); err != nil {
			s.log.Error("audit summary lost", "err", err)
		}
	}
	return s.data.Close()
}
