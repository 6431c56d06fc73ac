// Package kubetest runs a real Kubernetes control plane for tests: etcd
// (Debian's etcd-server) and the kube-apiserver binary that
// scripts/kube-apiserver.sh builds from the k8s.io/kubernetes module and
// caches outside the repository, both on loopback. No kubelet, scheduler or
// controller manager runs: tests create objects through the API and set
// their status through the status subresource where a controller or a
// kubelet would.
package kubetest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Version is the Kubernetes version scripts/kube-apiserver.sh builds.
const Version = "v1.37.2"

// Context is the context name written into the kubeconfig file.
const Context = "kubetest"

// token authenticates the clients as a member of system:masters.
const token = "drydock-test-token"

// Cluster is a running control plane.
type Cluster struct {
	// Client is a cluster admin's clientset.
	Client *kubernetes.Clientset
	// Config is the admin's REST config; copy it (rest.CopyConfig) to
	// change it, e.g. to set a WarningHandler.
	Config *rest.Config
	// Kubeconfig is a kubeconfig file naming the server, the admin's
	// token and one context, Context, which is current.
	Kubeconfig string
}

// APIServer is where scripts/kube-apiserver.sh caches the binary.
func APIServer() string {
	dir := os.Getenv("XDG_CACHE_HOME")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache")
	}
	return filepath.Join(dir, "drydock-tools", "kube-apiserver-"+Version)
}

// Start starts etcd and kube-apiserver until the test ends and waits until
// the API server is ready. It skips the test when the kube-apiserver
// binary is not built or etcd is not installed.
func Start(t testing.TB) *Cluster {
	t.Helper()
	bin := APIServer()
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("kube-apiserver is not built at %s: run scripts/kube-apiserver.sh (scripts/test.sh does)", bin)
	}
	etcd, err := exec.LookPath("etcd")
	if err != nil {
		t.Skip("etcd is not installed (Debian package etcd-server; scripts/kube-apiserver.sh installs it)")
	}
	dir := t.TempDir()
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	run(t, dir, etcd, "--data-dir", filepath.Join(dir, "etcd"), "--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", fmt.Sprintf("http://127.0.0.1:%d", freePort(t)))

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	saKey, saPub, tokens := filepath.Join(dir, "sa.key"), filepath.Join(dir, "sa.pub"), filepath.Join(dir, "tokens.csv")
	write(t, saKey, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	write(t, saPub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
	write(t, tokens, []byte(token+",admin,admin,system:masters\n"))
	port := freePort(t)
	run(t, dir, bin, "--etcd-servers", etcdURL, "--bind-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", port),
		"--cert-dir", filepath.Join(dir, "certs"), "--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file", saPub, "--service-account-signing-key-file", saKey,
		"--token-auth-file", tokens, "--authorization-mode=RBAC", "--service-cluster-ip-range=10.0.0.0/24",
		"--advertise-address=127.0.0.1", "--endpoint-reconciler-type=none",
		// No controller manager runs, so no namespace gets its default
		// service account.
		"--disable-admission-plugins=ServiceAccount")

	host := fmt.Sprintf("https://127.0.0.1:%d", port)
	cfg := &rest.Config{Host: host, BearerToken: token,
		TLSClientConfig: rest.TLSClientConfig{Insecure: true}, QPS: 1000, Burst: 1000}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(500 * time.Millisecond) {
		b, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(context.Background())
		if err == nil && strings.TrimSpace(string(b)) == "ok" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kube-apiserver not ready: %v %s", err, b)
		}
	}

	kc := clientcmdapi.NewConfig()
	kc.Clusters[Context] = &clientcmdapi.Cluster{Server: host, InsecureSkipTLSVerify: true}
	kc.AuthInfos[Context] = &clientcmdapi.AuthInfo{Token: token}
	kc.Contexts[Context] = &clientcmdapi.Context{Cluster: Context, AuthInfo: Context}
	kc.CurrentContext = Context
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, kubeconfig); err != nil {
		t.Fatal(err)
	}
	return &Cluster{Client: cs, Config: cfg, Kubeconfig: kubeconfig}
}

// run starts a process until the test ends, logging into dir, and prints
// the log's tail when the test failed.
func run(t testing.TB, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	log, err := os.Create(filepath.Join(dir, filepath.Base(name)+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		log.Close()
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			if len(b) > 4000 {
				b = b[len(b)-4000:]
			}
			t.Logf("%s log tail:\n%s", name, b)
		}
	})
}

func write(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
