import { z } from 'zod';

// zod probes `new Function` to compile fast parsers; under `script-src 'self'` (no
// 'unsafe-eval') that probe fails anyway and is reported as a CSP violation. Opt out.
z.config({ jitless: true });
