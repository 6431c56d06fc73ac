package imagetest

// DebianOSRelease is /etc/os-release of Debian 12 (bookworm).
const DebianOSRelease = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"

// DpkgStanza returns the stanza of /var/lib/dpkg/status for an installed
// amd64 package; source is left out when empty (the source package then
// has the binary package's name).
func DpkgStanza(name, source, version string) string {
	s := "Package: " + name + "\nStatus: install ok installed\nArchitecture: amd64\nVersion: " + version + "\n"
	if source != "" {
		s += "Source: " + source + "\n"
	}
	return s + "Description: " + name + "\n\n"
}
