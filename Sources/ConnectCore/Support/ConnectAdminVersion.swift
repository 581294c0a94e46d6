/// The product's version: what `--version` prints on both binaries and what
/// `scripts/release.sh` names its tarball after (and checks against a release tag).
public enum ConnectAdminVersion {
    public static let current = "0.5.0"
}
