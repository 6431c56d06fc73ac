package catalog_test

import (
	"reflect"
	"testing"

	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/inventory"
)

// One npm package per (name, version, install root), with every declaring
// file as a location; the project's own package.json is not a dependency.
func TestNPMOncePerInstallRoot(t *testing.T) {
	img := imagetest.Image(t,
		imagetest.Step{CreatedBy: "COPY package*.json", Layer: imagetest.Layer(t,
			file("app/package.json", `{"name":"app","version":"1.0.0","dependencies":{"left-pad":"^1.3.0"}}`),
			file("app/package-lock.json", lockV3),
		)},
		imagetest.Step{CreatedBy: "RUN npm ci", Layer: imagetest.Layer(t,
			file("app/node_modules/left-pad/package.json", pkgJSON("left-pad", "1.3.0")),
			file("app/node_modules/wrapper/node_modules/left-pad/package.json", pkgJSON("left-pad", "1.3.0")),
			file("srv/node_modules/left-pad/package.json", pkgJSON("left-pad", "1.3.0")),
			file("opt/tool/package.json", pkgJSON("tool", "2.0.0")),
		)},
	)
	inv := catalogV1(t, img)
	var got []string
	var app *inventory.Package
	for i, p := range inv.Packages {
		got = append(got, p.Name+"@"+p.Version+" "+p.Path)
		if p.Path == "app/node_modules/left-pad/package.json" {
			app = &inv.Packages[i]
		}
	}
	want := []string{
		"left-pad@1.3.0 app/node_modules/left-pad/package.json",
		"left-pad@1.3.0 srv/node_modules/left-pad/package.json",
		"tool@2.0.0 opt/tool/package.json", // a lone manifest: no install root claims it
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("packages:\n got %q\nwant %q", got, want)
	}
	wantLoc := []string{"app/node_modules/left-pad/package.json", "app/node_modules/wrapper/node_modules/left-pad/package.json", "app/package-lock.json"}
	if !reflect.DeepEqual(app.Locations, wantLoc) || app.Layer != 0 {
		t.Errorf("app's left-pad: locations %q layer %d, want %q and layer 0 (the lockfile's)", app.Locations, app.Layer, wantLoc)
	}
}
