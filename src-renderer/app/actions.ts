import type { CsmClient } from '../../src-shared/client';
import { call } from './call';
import { useAppInfo } from './stores/appInfo';

export async function loadAppInfo(client: CsmClient): Promise<void> {
  const s = useAppInfo.getState();
  s.setLoading();
  const r = await call(client, 'app.info', {});
  if (r.ok) useAppInfo.getState().setInfo(r.value);
  else useAppInfo.getState().setError(r.error);
}
