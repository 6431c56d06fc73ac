package server_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drydock/drydock/server"
)

// selfSigned writes a certificate and key for 127.0.0.1 into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "drydock test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

// serveUntilCancel runs Serve and returns the bound address, what it wrote
// for the operator, and a stop function that reports Serve's error.
func serveUntilCancel(t *testing.T, cfg server.Config) (string, *syncBuffer, func() error) {
	t.Helper()
	srv, err := server.New(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	out := &syncBuffer{}
	addrc, errc := make(chan string, 1), make(chan error, 1)
	go func() { errc <- srv.Serve(ctx, out, func(a string) { addrc <- a }) }()
	select {
	case a := <-addrc:
		return a, out, func() error { cancel(); err := <-errc; srv.Close(); return err }
	case err := <-errc:
		t.Fatalf("Serve: %v", err)
	}
	return "", nil, nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestServeTLSAndGracefulStop(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	addr, out, stop := serveUntilCancel(t, server.Config{Addr: "127.0.0.1:0", DataDir: dir, Anonymous: true, TLSCert: cert, TLSKey: key})
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := client.Get("https://" + addr + "/v2/")
	if err != nil {
		t.Fatalf("GET over TLS: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Errorf("GET /v2/ over TLS = %d (TLS %v), want 200 over TLS", resp.StatusCode, resp.TLS != nil)
	}
	if err := stop(); err != nil {
		t.Errorf("graceful stop: %v, want nil", err)
	}
	if strings.Contains(out.String(), "PLAIN HTTP") {
		t.Errorf("TLS server warned about plain HTTP: %s", out.String())
	}
}

func TestPlainHTTPWarning(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		warn bool
	}{
		{"127.0.0.1:0", false},
		{"0.0.0.0:0", true},
	}
	for _, tt := range tests {
		_, out, stop := serveUntilCancel(t, server.Config{Addr: tt.addr, DataDir: t.TempDir(), Anonymous: true})
		stop()
		if got := strings.Contains(out.String(), "WARNING: serving PLAIN HTTP"); got != tt.warn {
			t.Errorf("serve on %s: warned %v, want %v (output %q)", tt.addr, got, tt.warn, out.String())
		}
	}
}
