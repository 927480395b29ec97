import type { pkiChannels } from '../../src-shared/contract/pki';
import { AppError } from '../app/errors';
import type { ConsoleModule } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';

export type PkiChannels = keyof typeof pkiChannels;

const notYet = async (): Promise<never> => {
  throw new AppError('INTERNAL', 'certificate operations are being built (issue 8)');
};

/** Certificate operations (issue 8): a CA per tenant, issuance, revocation, CRLs, exports, bundles. */
export function pkiModule(_deps: ModuleDeps): ConsoleModule<PkiChannels> {
  return {
    handlers: {
      'cert.platformRoot': notYet,
      'cert.platformRootInit': notYet,
      'cert.ca': notYet,
      'cert.caInit': notYet,
      'cert.issue': notYet,
      'cert.signCsr': notYet,
      'cert.list': notYet,
      'cert.show': notYet,
      'cert.revoke': notYet,
      'cert.crl': notYet,
      'cert.renew': notYet,
      'cert.export': notYet,
      'cert.bundle': notYet,
      'cert.expiryReport': notYet,
    },
  };
}
