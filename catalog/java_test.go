package catalog_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/inventory"
)

// A jar nested in a Spring Boot jar is named outer!/inner; a jar with no
// Maven group anywhere is listed without one, not matched, with a warning.
func TestJavaNestedAndGroupless(t *testing.T) {
	boot := zipOf(t,
		[2]string{"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n"},
		[2]string{"META-INF/maven/com.example/boot-app/pom.properties", "groupId=com.example\nartifactId=boot-app\nversion=2.0.0\n"},
		[2]string{"BOOT-INF/lib/log4j-core-2.14.1.jar", jar(t, "org.apache.logging.log4j", "log4j-core", "2.14.1")},
	)
	groupless := zipOf(t, [2]string{"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nCreated-By: javac\r\n\r\n"}, [2]string{"acc/Main.class", "not a class"})
	inv := catalogV1(t, imagetest.Image(t, imagetest.Step{CreatedBy: "COPY", Layer: imagetest.Layer(t,
		file("app/boot-app.jar", boot),
		file("app/lib/acc-app-1.0.jar", groupless),
	)}))
	var got []string
	for _, p := range inv.Packages {
		if p.Type == inventory.TypeJava {
			got = append(got, p.Name+"@"+p.Version+" "+p.Ecosystem+" "+p.PURL+" "+p.Path)
		}
	}
	want := []string{
		"acc-app@1.0  pkg:maven/acc-app@1.0 app/lib/acc-app-1.0.jar",
		"com.example:boot-app@2.0.0 Maven pkg:maven/com.example/boot-app@2.0.0 app/boot-app.jar",
		"org.apache.logging.log4j:log4j-core@2.14.1 Maven pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1 app/boot-app.jar!/BOOT-INF/lib/log4j-core-2.14.1.jar",
	}
	if !slices.Equal(got, want) {
		t.Errorf("java packages:\n got %q\nwant %q", got, want)
	}
	if len(inv.Warnings) != 1 || !strings.Contains(inv.Warnings[0], "app/lib/acc-app-1.0.jar: no pom.properties and no Maven group") {
		t.Errorf("warnings = %q, want one naming app/lib/acc-app-1.0.jar as without a Maven group", inv.Warnings)
	}
}
