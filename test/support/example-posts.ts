import type { FakeUpstream } from './fake-upstream/index.js';

// The example article's three posts and the pages their links lead to, as the fake
// upstream serves them: shared by the end-to-end test and the export and serve tests.

export const DGSN_ID = '1729555061938819317';
export const SUDINFO_ID = '1729135262233043236';
export const CITY_ID = '1729181542325883288';

/** The three posts the example article cites, as the fake upstream serves them. */
export function addExamplePosts(upstream: FakeUpstream): void {
  upstream.addPost({
    id: DGSN_ID,
    handle: 'DGSN_MAROC',
    name: 'DGSN MAROC',
    lang: 'ar',
    text: '#مكافحة_الإجرام_السيبراني\n\nتوقيف مستخدم في مركز للنداء بمدينة الدار البيضاء',
    photos: [{ url: 'https://pbs.twimg.com/media/GAB12cdXwAA3xyz.jpg', width: 1200, height: 675 }],
    mediaShortCode: 'rdI6rg3QRE',
  });
  upstream.addPost({
    id: SUDINFO_ID,
    handle: 'sudinfo_be',
    name: 'Sudinfo.be',
    lang: 'fr',
    text: 'Alerte à la bombe dans 27 écoles à Bruxelles et en Brabant wallon',
    urls: [{ tco: 'https://t.co/Q558GooFYF', expanded: 'https://sudinfo.example.com/alerte-a-la-bombe' }],
  });
  upstream.addPost({
    id: CITY_ID,
    handle: 'city_bruxelles',
    name: 'bruxelles city news',
    lang: 'fr',
    text: 'Alerte à la bombe : Fermeture de multiples écoles du réseau Wallonie-Bruxelle',
    urls: [{ tco: 'https://t.co/KNbFdafcns', expanded: 'https://news.test/ecoles-fermees' }],
  });
  upstream.addPage('https://sudinfo.example.com/alerte-a-la-bombe', {
    body: `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Alerte | Sudinfo</title>
      <meta property="og:title" content="Alerte à la bombe dans 27 écoles">
      <meta property="og:site_name" content="Sudinfo"><link rel="canonical" href="https://sudinfo.example.com/alerte-a-la-bombe">
      <meta property="article:published_time" content="2023-11-27T09:12:00+01:00"></head><body><p>…</p></body></html>`,
    gzip: true,
  });
  upstream.addPage('https://news.test/ecoles-fermees', {
    charset: 'windows-1252',
    body: '<html lang="fr"><head><title>Écoles fermées à Bruxelles</title></head><body>Fermées.</body></html>',
  });
}
