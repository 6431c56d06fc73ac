// Command kube-apiserver is the Kubernetes API server built from the
// k8s.io/kubernetes module at the version pinned in go.mod. drydock's
// admission tests run it on loopback against etcd to register drydock's
// webhooks with a real control plane; scripts/kube-apiserver.sh builds it
// into a cache outside the repository.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
