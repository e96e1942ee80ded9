/**
 * antd's Tabs scroll a tab into view when it takes focus. On a phone, a tap on a tab that peeks in at the screen's edge
 * focused it on the press, the tab list slid under the finger before the release, and the click landed beside the
 * tab: the tab did not open, and a second tap was needed (seen on the project page at 375 px, on every tab past the
 * fourth). Here a press on a tab does not move the focus, so nothing slides before the click; the click opens the
 * tab, and antd then scrolls the open tab into view. Keyboard focus (Tab, arrow keys) is untouched.
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
