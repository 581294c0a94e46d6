import ConnectCore
import Foundation

/// The files of a SQLite store, checked before SQLite opens them: what is not a store file of
/// ours is refused or left alone, never changed.
///
/// - The store path must be a regular file (through a symbolic link, if it is one) or not exist
///   yet: a device, a FIFO or a socket is refused (SQLite would read it, block on it, or a
///   writer would change its mode for every other user of the host).
/// - A writer makes a store readable by others private (0600), but only a file that is a SQLite
///   database (or empty, so about to become one), opened without following links and changed
///   through that descriptor (`fchmod`), so a link swapped in between changes nothing.
/// - The store's `-wal` and `-shm` files must be its own regular files: a symbolic link there
///   would point SQLite's writes, and our mode change, at another file.
enum SQLiteStoreFile {
    static func check(_ path: String, forWriting: Bool) throws(StoreError) {
        var link = stat()
        guard lstat(path, &link) == 0 else { return }
        var info = link
        let isLink = kind(link) == S_IFLNK
        if isLink && stat(path, &info) != 0 { return }
        guard kind(info) == S_IFREG else {
            throw StoreError(.unreadable, "store path \(path) is \(describe(info)), not a SQLite file: give the path of a SQLite file")
        }
        guard forWriting else { return }
        for suffix in ["-wal", "-shm"] {
            var companion = stat()
            guard lstat(path + suffix, &companion) == 0 else { continue }
            guard kind(companion) == S_IFREG else {
                throw StoreError(.unreadable, "\(path)\(suffix) is \(describe(companion)), not the store's own file: remove it, with every program that uses the store stopped")
            }
        }
        guard info.st_mode & 0o077 != 0 else {
            try makeCompanionsPrivate(path)
            return
        }
        if isLink {
            throw StoreError(.unreadable, "store path \(path) is a symbolic link to a file readable by others (mode \(octal(info))): run `chmod 600` on the file it points to, as its owner")
        }
        try makePrivate(path)
        try makeCompanionsPrivate(path)
    }

    /// The `-wal`/`-shm` files, each made private if it is readable by others (they are
    /// known to be regular files by now, and the store they belong to is a store).
    private static func makeCompanionsPrivate(_ path: String) throws(StoreError) {
        for suffix in ["-wal", "-shm"] {
            var companion = stat()
            guard lstat(path + suffix, &companion) == 0, companion.st_mode & 0o077 != 0 else { continue }
            try makePrivate(path + suffix, requireDatabase: false, storePath: path)
        }
    }

    /// Opens `file` without following a link, and sets 0600 through that descriptor if it is
    /// still a regular file readable by others — and, for the store itself, a SQLite database
    /// or empty. A file that is not one keeps its mode (SQLite then says it is no database).
    private static func makePrivate(_ file: String, requireDatabase: Bool = true, storePath: String? = nil) throws(StoreError) {
        let fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw StoreError(.unreadable, "store file \(file) could not be opened to make it private (\(String(cString: strerror(errno)))): run `chmod 600 \(storePath ?? file)*` as its owner")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, kind(info) == S_IFREG, info.st_mode & 0o077 != 0 else { return }
        if requireDatabase && info.st_size > 0 && !isDatabase(fd) { return }
        guard fchmod(fd, 0o600) == 0 else {
            throw StoreError(.unreadable, "store file \(file) is readable by others (mode \(octal(info))) and could not be made private: run `chmod 600 \(storePath ?? file)*` as its owner")
        }
    }

    /// Whether the open file starts with SQLite's header.
    private static func isDatabase(_ fd: Int32) -> Bool {
        var header = [UInt8](repeating: 0, count: 16)
        let read = pread(fd, &header, 16, 0)
        return read == 16 && header == Array("SQLite format 3\0".utf8)
    }

    private static func kind(_ info: stat) -> mode_t { info.st_mode & S_IFMT }

    private static func octal(_ info: stat) -> String { String(info.st_mode & 0o777, radix: 8) }

    private static func describe(_ info: stat) -> String {
        switch kind(info) {
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        case S_IFDIR: "a directory"
        case S_IFLNK: "a symbolic link"
        default: "not a regular file"
        }
    }
}
