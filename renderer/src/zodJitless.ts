// The page's CSP forbids eval: zod's compiled object parsers would try `new Function` (and the
// refused probe is reported in the console), so zod runs its interpreted parsers here.
import { z } from 'zod';

z.config({ jitless: true });
