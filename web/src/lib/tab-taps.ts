/**
 * antd's Tabs scroll a tab into view when it takes focus. In a narrow window (375 px) a click on a tab peeking in at
 * the edge went wrong: the press focused the tab, the tab list slid to show it before the release, and the release
 * landed beside the tab, so nothing opened and a second click was needed (every project tab past the fourth, with
 * Playwright's click, whose press and release are two events as a mouse's or a stylus's are; a finger's tap, whose
 * press and release a phone sends together, may not show it). Here a press on a tab does not move the focus, so
 * nothing slides before the release; the click opens the tab, and antd then scrolls the open tab into view. Keyboard
 * focus (Tab, arrow keys) is untouched.
 */
export function keepTabTaps(doc: Document = document): void {
  doc.addEventListener(
    'mousedown',
    (e) => {
      const target = e.target instanceof Element ? e.target : null;
      if (target?.closest('.ant-tabs-tab') && !target.closest('.ant-tabs-tab-remove')) e.preventDefault();
    },
    true,
  );
}
