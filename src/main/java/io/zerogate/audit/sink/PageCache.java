package io.zerogate.audit.sink;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets the kernel drop a durable range of a trail file from the page cache ({@code posix_fadvise} with
 * {@code POSIX_FADV_DONTNEED}). The trail is written once and read again only by {@code audit verify} or a log
 * shipper shortly after it was written; without this, a gateway that records tens of megabytes a second keeps
 * every line in memory until the kernel has to reclaim it, and every batch is copied into a page the kernel has
 * just had to find, not into one it freed a moment ago. Dropping a range changes nothing in the file: a later read
 * fetches it from disk.
 *
 * <p>The call goes through the JDK's foreign function API, final since Java 22 and reached here reflectively
 * because the gateway is built for Java 21: on Java 21, and on systems other than 64-bit Linux on x86-64, AArch64
 * or RISC-V, {@link #available()} is false and {@link #drop} does nothing. The file is opened read-only for the
 * advice (the advice applies to the file, not to a descriptor), so the writer's own channel is never touched.
 */
final class PageCache {

    private static final Logger log = LoggerFactory.getLogger(PageCache.class);
    /** O_RDONLY (0) with O_CLOEXEC (octal 02000000). */
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final int POSIX_FADV_DONTNEED = 4;
    private static final @Nullable Native NATIVE = Native.find();

    private PageCache() {}

    /** Whether {@link #drop} reaches the kernel on this JDK and system. */
    static boolean available() {
        return NATIVE != null;
    }

    /**
     * Asks the kernel to drop the cached pages of {@code file} from {@code offset} for {@code length} bytes (to the
     * end of the file when {@code length} is 0). Only pages already written to disk are dropped, and only whole
     * pages inside the range. Returns false when the advice could not be given; that is never an error for the
     * trail, whose bytes stay where they are.
     */
    static boolean drop(Path file, long offset, long length) {
        Native n = NATIVE;
        if (n == null || offset < 0 || length < 0 || file.getFileSystem() != FileSystems.getDefault()) {
            return false;
        }
        try {
            return n.dropPages(file, offset, length);
        } catch (Throwable e) {
            log.debug("audit trail: cannot advise the kernel about {}: {}", file, e.toString());
            return false;
        }
    }

    /** The C functions, linked once: {@code open}, {@code posix_fadvise} and {@code close} of the C library. */
    private record Native(Method arenaOfConfined, Method allocateFrom, Method closeArena,
                          MethodHandle open, MethodHandle fadvise, MethodHandle close) {

        static @Nullable Native find() {
            String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            // The calls are declared for these 64-bit Linux systems: off_t of 64 bits, POSIX_FADV_DONTNEED 4 and
            // O_CLOEXEC 02000000.
            boolean known = switch (System.getProperty("os.arch", "")) {
                case "amd64", "x86_64", "aarch64", "riscv64" -> true;
                default -> false;
            };
            if (Runtime.version().feature() < 22 || !os.startsWith("linux") || !known) {
                return null;
            }
            try {
                Class<?> linkerType = Class.forName("java.lang.foreign.Linker");
                Class<?> optionType = Class.forName("java.lang.foreign.Linker$Option");
                Class<?> lookupType = Class.forName("java.lang.foreign.SymbolLookup");
                Class<?> layoutType = Class.forName("java.lang.foreign.MemoryLayout");
                Class<?> valueLayout = Class.forName("java.lang.foreign.ValueLayout");
                Class<?> descriptorType = Class.forName("java.lang.foreign.FunctionDescriptor");
                Class<?> segmentType = Class.forName("java.lang.foreign.MemorySegment");
                Class<?> arenaType = Class.forName("java.lang.foreign.Arena");
                Object linker = linkerType.getMethod("nativeLinker").invoke(null);
                Object lookup = linkerType.getMethod("defaultLookup").invoke(linker);
                Method find = lookupType.getMethod("find", String.class);
                Object intLayout = valueLayout.getField("JAVA_INT").get(null);
                Object longLayout = valueLayout.getField("JAVA_LONG").get(null);
                Object addressLayout = valueLayout.getField("ADDRESS").get(null);
                Method describe = descriptorType.getMethod("of", layoutType, layoutType.arrayType());
                Method downcall = linkerType.getMethod("downcallHandle", segmentType, descriptorType,
                        optionType.arrayType());
                Object noOptions = Array.newInstance(optionType, 0);
                // open(const char *path, int flags, ...): the mode is variadic; it is passed (and ignored) as the
                // first variadic argument.
                Object variadicMode = Array.newInstance(optionType, 1);
                Array.set(variadicMode, 0, optionType.getMethod("firstVariadicArg", int.class).invoke(null, 2));
                Object openSymbol = symbol(find, lookup, "open");
                Object fadviseSymbol = symbol(find, lookup, "posix_fadvise");
                Object closeSymbol = symbol(find, lookup, "close");
                if (openSymbol == null || fadviseSymbol == null || closeSymbol == null) {
                    return null;
                }
                MethodHandle open = (MethodHandle) downcall.invoke(linker, openSymbol,
                        describe.invoke(null, intLayout, layouts(layoutType, addressLayout, intLayout, intLayout)),
                        variadicMode);
                MethodHandle fadvise = (MethodHandle) downcall.invoke(linker, fadviseSymbol,
                        describe.invoke(null, intLayout,
                                layouts(layoutType, intLayout, longLayout, longLayout, intLayout)),
                        noOptions);
                MethodHandle close = (MethodHandle) downcall.invoke(linker, closeSymbol,
                        describe.invoke(null, intLayout, layouts(layoutType, intLayout)), noOptions);
                return new Native(arenaType.getMethod("ofConfined"),
                        arenaType.getMethod("allocateFrom", String.class), arenaType.getMethod("close"),
                        open, fadvise, close);
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                log.debug("audit trail: no page cache advice on this JDK ({})", e.toString());
                return null;
            }
        }

        private static @Nullable Object symbol(Method find, Object lookup, String name)
                throws ReflectiveOperationException {
            return ((Optional<?>) find.invoke(lookup, name)).orElse(null);
        }

        private static Object layouts(Class<?> layoutType, Object... layouts) {
            Object array = Array.newInstance(layoutType, layouts.length);
            for (int i = 0; i < layouts.length; i++) {
                Array.set(array, i, layouts[i]);
            }
            return array;
        }

        boolean dropPages(Path file, long offset, long length) throws Throwable {
            Object arena = arenaOfConfined.invoke(null);
            int fd;
            try {
                Object path = allocateFrom.invoke(arena, file.toString());
                fd = (int) open.invoke(path, O_RDONLY_CLOEXEC, 0);
            } finally {
                closeArena.invoke(arena);
            }
            if (fd < 0) {
                return false;
            }
            try {
                return (int) fadvise.invoke(fd, offset, length, POSIX_FADV_DONTNEED) == 0;
            } finally {
                close.invoke(fd);
            }
        }
    }
}
