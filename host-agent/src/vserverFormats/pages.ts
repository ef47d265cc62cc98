// VServer counts memory limits (rss, as, memlock, anon, shmem) in pages; cgroups count bytes.

export const DEFAULT_PAGE_SIZE = 4096;

export function pagesToBytes(pages: number, pageSize: number = DEFAULT_PAGE_SIZE): number {
  return pages * pageSize;
}

/** Whole pages, rounded down as the kernel rounds memory limits down to its page size. */
export function bytesToPages(bytes: number, pageSize: number = DEFAULT_PAGE_SIZE): number {
  return Math.floor(bytes / pageSize);
}
